/* boot.js — a classic script that watches the start of the app, so a
 * phone never shows a blank page: a browser too old for JS modules, or an
 * app that has not drawn itself after 12 s (a lost script on a bad
 * network), gets the shell's own sentence and a reload link instead. The
 * sentences are in index.html (data-old, data-stuck), beside the others
 * the shell shows before the app's texts.js is loaded. */
(function () {
  var app = document.getElementById('app');
  if (!app) return;
  function say(text) {
    var p = document.createElement('p');
    p.className = 'failure';
    p.appendChild(document.createTextNode(text + ' '));
    var a = document.createElement('a');
    a.href = location.href;
    a.appendChild(document.createTextNode(app.getAttribute('data-reload')));
    p.appendChild(a);
    app.innerHTML = '';
    app.appendChild(p);
  }
  var script = document.createElement('script');
  if (!('noModule' in script)) {
    say(app.getAttribute('data-old'));
    return;
  }
  setTimeout(function () {
    if (!app.querySelector('.page, .failure')) say(app.getAttribute('data-stuck'));
  }, 12000);
})();
