// Embed: <script src="https://政策问答的地址/widget.js" defer></script> adds a floating 政策问答 button that
// opens the chat in a frame. The chat's server lets only its allowed origins frame it.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var chat = new URL('/?embed=1', script.src).href;
  var frame = null;

  function place(node, styles) {
    for (var name in styles) node.style[name] = styles[name];
  }

  function toggle(button) {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.src = chat;
      frame.title = '政策问答';
      place(frame, {
        position: 'fixed', right: '1rem', bottom: '4.5rem', zIndex: '2147483000', width: 'min(26rem, calc(100vw - 2rem))',
        height: 'min(40rem, calc(100vh - 6rem))', border: '1px solid #ccc', borderRadius: '0.75rem', background: '#fff',
        boxShadow: '0 4px 16px rgba(0,0,0,0.25)'
      });
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute('aria-expanded', String(!frame.hidden));
  }

  function start() {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = '政策问答';
    button.setAttribute('aria-expanded', 'false');
    place(button, {
      position: 'fixed', right: '1rem', bottom: '1rem', zIndex: '2147483000', padding: '0.75rem 1.2rem',
      border: '0', borderRadius: '2rem', background: '#a61b1b', color: '#fff', fontSize: '16px', cursor: 'pointer',
      boxShadow: '0 2px 8px rgba(0,0,0,0.3)'
    });
    button.addEventListener('click', function () { toggle(button); });
    document.body.appendChild(button);
  }

  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
