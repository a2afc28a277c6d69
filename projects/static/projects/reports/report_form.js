/* The monthly report form: when the clerk picks another project, year or month, fetch the previous
   report's YTD and the plan in force (…/monthlyreport/form-context/) and show them above the form.
   The project picker is Django's autocomplete (select2 fires jQuery change events). */
(function () {
  "use strict";

  function value(id) {
    var field = document.getElementById(id);
    return field ? field.value : "";
  }

  var latest = 0;  // the last request sent: an older answer arriving after it is dropped

  function update() {
    var box = document.getElementById("trk-report-context");
    if (!box || !value("id_project")) {
      return;
    }
    var params = new URLSearchParams({project: value("id_project"), year: value("id_year"),
                                      month: value("id_month"), report: box.dataset.report || ""});
    var sent = ++latest;
    fetch(box.dataset.url + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (sent !== latest) {
          return;  // the clerk changed the project, year or month again meanwhile
        }
        var list = box.querySelector("p");
        list.textContent = "";
        data.lines.forEach(function (line, i) {
          if (i) { list.appendChild(document.createElement("br")); }
          list.appendChild(document.createTextNode(line));
        });
        box.hidden = data.lines.length === 0;
      });
  }

  var selector = "#id_project, #id_year, #id_month";
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("change", selector, update);
  } else {
    document.addEventListener("change", function (event) {
      if (event.target.matches(selector)) { update(); }
    });
  }
})();
