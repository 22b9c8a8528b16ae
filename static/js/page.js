/* Rathaus Mobil: the few behaviours every page shares, without inline script.
 *
 * The Content-Security-Policy allows scripts only from our own files (docs/security.md),
 * so nothing may sit in an onclick attribute or a <script> block. This file is loaded in
 * <head> without defer:
 * - it marks <html class="js"> at once, so the phone menu collapses only where menu.js
 *   can open it again (no flash of the open menu);
 * - a button or link with data-rm-print prints the page;
 * - a link with data-rm-back goes back one page where there is one; without JavaScript
 *   it follows its href (the start page).
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-rm-print], [data-rm-back]");
    if (!target) return;
    if (target.hasAttribute("data-rm-print")) {
      event.preventDefault();
      window.print();
    } else if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
