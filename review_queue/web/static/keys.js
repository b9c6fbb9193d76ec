// Gatepost console: keyboard shortcuts for the queue and an item (the keys are listed on
// each page).  Served by the app under its content security policy (script-src 'self'),
// never inline.  Everything here is a shortcut for a link, a button or a form field that
// works the same without JavaScript.  It reads no post text and writes no HTML.
(function () {
  "use strict";

  // Keys never fire while someone is typing in a field.
  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function go(selector) {
    var link = document.querySelector(selector);
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (!button) return false;
    button.click();
    return true;
  }

  // ---- an item: choose an action, a standard reason, record -------------------------

  var form = document.getElementById("decide-form");
  var reasons = document.getElementById("standard-reason");

  // Offer only the chosen action's standard reasons (without a script, all are offered
  // and the console refuses one that belongs to another action).
  function offerReasonsFor(action) {
    if (!reasons) return;
    reasons.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.getAttribute("data-action") === action;
      group.hidden = !mine;
      group.disabled = !mine;
    });
    var chosen = reasons.options[reasons.selectedIndex];
    if (chosen && chosen.parentElement.disabled) reasons.value = "";
  }

  function choose(action) {
    var radio = form && form.querySelector('input[name="action"][value="' + action + '"]');
    if (!radio) return false;
    radio.checked = true;
    offerReasonsFor(action);
    radio.focus();
    return true;
  }

  function pickReason(n) {
    var checked = form && form.querySelector('input[name="action"]:checked');
    var group = checked && reasons && reasons.querySelector('optgroup[data-action="' + checked.value + '"]');
    var options = group ? group.querySelectorAll("option") : [];
    if (n > options.length) return false;
    reasons.value = options[n - 1].value;
    return true;
  }

  if (form) {
    form.addEventListener("change", function (e) {
      if (e.target.name === "action") offerReasonsFor(e.target.value);
    });
    var checked = form.querySelector('input[name="action"]:checked');
    if (checked) offerReasonsFor(checked.value);
  }

  // ---- the queue: move between rows, open one, select one --------------------------

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr[data-item]"));
  var current = -1;

  function moveTo(i) {
    if (!rows.length) return false;
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0) rows[current].classList.remove("current");
    current = i;
    rows[i].classList.add("current");
    var link = rows[i].querySelector("a.open");
    if (link) link.focus();
    rows[i].scrollIntoView({ block: "nearest" });
    return true;
  }

  function openCurrent() {
    var link = current >= 0 && rows[current].querySelector("a.open");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }

  function toggleCurrent() {
    var box = current >= 0 && rows[current].querySelector('input[type="checkbox"]');
    if (!box || box.disabled) return false;
    box.checked = !box.checked;
    return true;
  }

  // ---- the keys -------------------------------------------------------------------

  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && form) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var done = false;
    switch (e.key) {
      case "c": done = choose("confirm"); break;
      case "d": done = choose("dismiss"); break;
      case "e": done = choose("escalate"); break;
      case "r":
        var text = form && form.querySelector("textarea[name=reason]");
        if (text) { text.focus(); done = true; }
        break;
      case "t": done = press("#take"); break;
      case "n": done = go("a.next-item"); break;
      case "q": done = go("a.back-to-queue"); break;
      case "/":
        var search = document.getElementById("q");
        if (search) { search.focus(); search.select(); done = true; }
        break;
      case "j": done = moveTo(current + 1); break;
      case "k": done = moveTo(current - 1); break;
      case "o": done = openCurrent(); break;
      case "x": done = toggleCurrent(); break;
      default:
        if (/^[1-9]$/.test(e.key)) done = pickReason(Number(e.key));
    }
    if (done) e.preventDefault();
  });
})();
