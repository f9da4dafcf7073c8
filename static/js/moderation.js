/* Keyboard shortcuts for the moderation queue. The page works without this file: every
 * shortcut presses a button or opens a form that is already there.
 *   j / k  focus the next / previous comment
 *   a      approve the focused comment
 *   r      reject it: open its reason form and focus the reason select
 *   s      mark it as spam
 */
(function () {
  "use strict";

  var help = document.getElementById("moderation-shortcuts");
  if (help) {
    help.hidden = false; // the shortcuts exist only when this script runs
  }

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-moderation-item]"));
  }

  function currentItem() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-moderation-item]") : null;
  }

  function move(step) {
    var list = items();
    if (!list.length) {
      return;
    }
    var index = list.indexOf(currentItem());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    next = Math.max(0, Math.min(list.length - 1, next));
    list[next].focus();
    list[next].scrollIntoView({ block: "nearest" });
  }

  function press(action) {
    var item = currentItem();
    if (!item) {
      return false;
    }
    var button = item.querySelector('[data-shortcut="' + action + '"]');
    if (!button) {
      return false;
    }
    button.click();
    return true;
  }

  function reject() {
    var item = currentItem();
    var details = item ? item.querySelector("[data-reject-form]") : null;
    if (!details) {
      return false;
    }
    details.open = true;
    var select = details.querySelector("[data-reason-select]");
    if (select) {
      select.focus();
    }
    return true;
  }

  // Typing in a field is never a shortcut (checkboxes and buttons are not typing).
  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) {
      return true;
    }
    if (tag === "input") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var handled = false;
    switch (event.key) {
      case "j":
        move(1);
        handled = true;
        break;
      case "k":
        move(-1);
        handled = true;
        break;
      case "a":
        handled = press("approve");
        break;
      case "r":
        handled = reject();
        break;
      case "s":
        handled = press("spam");
        break;
      default:
        break;
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
