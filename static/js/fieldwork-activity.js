// The activity form shows the topic only for moral education and the advised
// village or enterprise only for a safety-advisor visit. Without JavaScript
// every field stays visible and the server checks what each kind needs.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  var extras = document.getElementById("kind-extras");
  if (!kind || !extras) {
    return;
  }
  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) {
      el.hidden = !visible;
    }
  }
  function update() {
    var moral = kind.value === "moral_education";
    var advisor = kind.value === "safety_advisor";
    extras.hidden = !(moral || advisor);
    show("field-topic", moral);
    show("field-advisee_kind", advisor);
    show("field-advisee_name", advisor);
  }
  kind.addEventListener("change", update);
  update();
})();
