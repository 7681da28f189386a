// The staff login: posts the password as JSON; the server answers with an HttpOnly session cookie.
'use strict';

(function () {
  const form = document.getElementById('login');
  const message = document.getElementById('message');
  const REFUSED = { 401: '密码不正确。', 403: '未配置管理员密码。', 429: '尝试太频繁，请稍等一分钟。' };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: form.password.value }),
    });
    if (response.ok) {
      location.reload();
      return;
    }
    message.textContent = REFUSED[response.status] || '登录失败。';
    form.password.value = '';
    form.password.focus();
  });
})();
