/* Rathaus Mobil: menus that close.
 *
 * The groups of the main menu are <details class="rm-menu">: they open without this
 * script. It adds what <details> lacks: one group open at a time, Esc closes the open
 * group and gives focus back to its summary, a click outside or tabbing away closes it.
 * On a phone the groups sit behind the "Menü" button (.rm-menu-toggle); base.html marks
 * <html class="js"> so the menu collapses only where this script can open it again.
 * Esc closes the phone menu too and returns focus to the button.
 */
(function () {
  "use strict";

  var GROUP = "details.rm-menu";
  var toggle = document.querySelector(".rm-menu-toggle");
  var main = toggle ? document.getElementById(toggle.getAttribute("aria-controls")) : null;

  function openGroups() {
    return Array.prototype.slice.call(document.querySelectorAll(GROUP + "[open]"));
  }

  function closeGroup(group, returnFocus) {
    group.open = false;
    if (returnFocus) group.querySelector("summary").focus();
  }

  function mainIsOpen() {
    return Boolean(main) && main.classList.contains("is-open");
  }

  function setMain(open, returnFocus) {
    if (!main) return;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    main.classList.toggle("is-open", open);
    if (!open) {
      openGroups().forEach(function (group) { closeGroup(group, false); });
      if (returnFocus) toggle.focus();
    }
  }

  if (main) {
    toggle.addEventListener("click", function () {
      setMain(!mainIsOpen(), false);
    });
  }

  // One group open at a time ("toggle" does not bubble, so listen while capturing).
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(GROUP) || !opened.open) return;
    openGroups().forEach(function (group) {
      if (group !== opened) closeGroup(group, false);
    });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var groups = openGroups();
    if (groups.length) {
      groups.forEach(function (group) { closeGroup(group, true); });
      event.preventDefault();
    } else if (mainIsOpen()) {
      setMain(false, true);
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    openGroups().forEach(function (group) {
      if (!group.contains(event.target)) closeGroup(group, false);
    });
    if (mainIsOpen() && !main.contains(event.target) && !toggle.contains(event.target)) {
      setMain(false, false);
    }
  });

  // Tabbing out of an open group closes it, so it never hides the page behind it.
  document.addEventListener("focusout", function (event) {
    var group = event.target.closest ? event.target.closest(GROUP + "[open]") : null;
    if (group && event.relatedTarget && !group.contains(event.relatedTarget)) {
      closeGroup(group, false);
    }
  });
})();
