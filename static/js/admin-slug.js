/* The admin pre-fills an explainer's slug from its title as it is typed (Django's URLify),
   which drops every Japanese character: 「AI規制の行方」 shows "ai". While the title holds
   Japanese, the box is left empty instead; the server romanises the title into a readable,
   unique slug on save (Explainer.save). A slug the editor typed is never touched. */
(function () {
  "use strict";
  var JAPANESE = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]/;

  function init() {
    var title = document.getElementById("id_title");
    var slug = document.getElementById("id_slug");
    if (!title || !slug || slug.readOnly || slug.tagName !== "INPUT") {
      return;
    }
    var typedByEditor = slug.value !== "";
    slug.addEventListener("input", function () {
      typedByEditor = slug.value !== "";
    });
    function clear() {
      if (!typedByEditor && JAPANESE.test(title.value)) {
        slug.value = "";
      }
    }
    // On the document, so it runs after the pre-fill's own handlers on the title.
    ["keyup", "change", "input", "focusout"].forEach(function (name) {
      document.addEventListener(name, function (event) {
        if (event.target === title) {
          clear();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
