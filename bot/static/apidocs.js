// The API reference, read from /openapi.json and written with text nodes (no Swagger UI: it needs a CDN).
'use strict';

(function () {
  const main = document.getElementById('routes');

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function schemaOf(spec, schema) {
    const name = schema && schema.$ref ? schema.$ref.split('/').pop() : null;
    return name ? spec.components.schemas[name] : schema;
  }

  function table(headings, rows) {
    const t = el('table');
    const head = t.createTHead().insertRow();
    headings.forEach((h) => head.append(el('th', null, h)));
    const body = t.createTBody();
    rows.forEach((row) => {
      const tr = body.insertRow();
      row.forEach((value) => tr.append(el('td', null, String(value))));
    });
    const box = el('div', 'scroll');
    box.append(t);
    return box;
  }

  function typeOf(schema) {
    if (!schema) return '';
    if (schema.enum) return schema.enum.join(' | ');
    if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
    return schema.type || '';
  }

  function route(spec, path, method, op) {
    const section = el('section');
    section.append(el('h2', null, method.toUpperCase() + ' ' + path));
    if (op.description) section.append(el('p', null, op.description));
    const params = (op.parameters || []).map((p) => [p.name, p.in, p.required ? '必填' : '可选', typeOf(p.schema)]);
    const body = op.requestBody && schemaOf(spec, op.requestBody.content['application/json'].schema);
    if (body && body.properties) {
      Object.entries(body.properties).forEach(([name, field]) => {
        params.push([name, 'body (JSON)', (body.required || []).includes(name) ? '必填' : '可选',
          typeOf(field) + (field.description ? '：' + field.description : '')]);
      });
    }
    if (params.length) section.append(table(['参数', '位置', '', '类型'], params));
    const codes = Object.entries(op.responses || {}).map(([code, r]) => [code, r.description]);
    section.append(table(['状态', '含义'], codes));
    return section;
  }

  fetch('/openapi.json').then((r) => r.json()).then((spec) => {
    Object.entries(spec.paths).forEach(([path, methods]) => {
      Object.entries(methods).forEach(([method, op]) => main.append(route(spec, path, method, op)));
    });
  });
})();
