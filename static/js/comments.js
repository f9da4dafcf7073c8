/* Bring the comment and reply forms inline on the explainer page.
 *
 * The explainer page is cached and shared, so it holds no form (a form needs a CSRF token,
 * which is per visitor). Each "Write a comment" / "Reply" link points at the form's own page;
 * with JavaScript on, we fetch that page and move its form into the slot under the link.
 * Without JavaScript, or if anything fails, the link simply opens the form page.
 */
(function () {
  "use strict";

  function openForm(link) {
    var slot = document.getElementById(link.getAttribute("data-comment-slot"));
    if (!slot) {
      window.location.assign(link.href);
      return;
    }
    var existing = slot.querySelector("form");
    if (existing) {
      var field = existing.querySelector("textarea");
      if (field) field.focus();
      return;
    }
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("form page answered " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var form = doc.querySelector("form.comment-form");
        if (!form) throw new Error("no form on the form page");
        // One form open at a time: two would repeat the same field ids on the page.
        document.querySelectorAll(".comment-form-slot").forEach(function (other) {
          if (other !== slot) other.replaceChildren();
        });
        document.querySelectorAll("a[data-comment-slot][aria-expanded=true]").forEach(function (a) {
          a.setAttribute("aria-expanded", "false");
        });
        slot.replaceChildren(document.importNode(form, true));
        link.setAttribute("aria-expanded", "true");
        link.removeAttribute("aria-busy");
        var textarea = slot.querySelector("textarea");
        if (textarea) textarea.focus();
      })
      .catch(function () {
        window.location.assign(link.href);
      });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest("a[data-comment-slot]");
    if (!link) return;
    event.preventDefault();
    openForm(link);
  });
})();
