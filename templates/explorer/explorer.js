{#- The explorer's script, the project's own. Rendered only with the framework's shape (`per_party`) and the
    words of its axes (`axes`, written into the script with tojson); everything else comes from the page's data. -#}
(() => {
  "use strict";
  // The model, as the generator embedded it; every element below is built with textContent, never as HTML.
  const D = JSON.parse(document.getElementById("explorer-data").textContent);
  const COL = Object.fromEntries(D.columns.map((name, i) => [name, i]));
  const levels = new Map(D.levels.map((v) => [v.id, v]));
  const models = new Map(D.models.map((m) => [m.id, m]));
  const domains = new Map(D.domains.map((d) => [d.id, d]));
{% if per_party %}
  // A level per party: the long table has a row per cell and party, in the party order; a cell gathers its rows.
  const cells = [];
  for (const row of D.rows) {
    const last = cells[cells.length - 1];
    const c = last && last.id === row[COL.cell_id] ? last : cells[cells.push({
      id: row[COL.cell_id], rows: [], values: [], model: row[COL.model_id], domain: row[COL.domain_id],
      critical: row[COL.critical_focus] === "Yes" }) - 1];
    c.rows.push(row);
    c.values.push({ party: row[COL.party_id], level: row[COL.level_id], does: row[COL.does] });
  }
  const byId = new Map(cells.map((c) => [c.id, c]));
  for (const c of cells) {
    const d = domains.get(c.domain);
    c.haystack = [d.name, d.label, d.description, d.focus, ...c.values.map((v) => v.does), c.rows[0][COL.example]]
      .join("\n").toLowerCase();
  }
  const partyName = (id) => D.parties[id];
  const audienceValue = (c) => c.values.find((v) => v.party === D.audience);
{% else %}
  const cells = D.rows.map((row) => ({
    id: row[COL.cell_id],
    row,
    model: row[COL.model_id],
    domain: row[COL.domain_id],
    level: row[COL.level_id],
    critical: row[COL.critical_focus] === "Yes",
  }));
  const byId = new Map(cells.map((c) => [c.id, c]));
  for (const c of cells) {
    const d = domains.get(c.domain);
    c.haystack = [d.name, d.label, d.description, d.focus, c.row[COL.provider_does], c.row[COL.customer_does],
      c.row[COL.example]].join("\n").toLowerCase();
  }
{% endif %}
  const hasChanges = D.changes.previous_version !== null;
  // A mapped framework's target ("<framework id> <target id>") -> the domains mapped to it.
  const targets = new Map(D.mappings.flatMap((f) => f.targets.map((t) => [f.id + " " + t.id, new Set(t.domains)])));

  // --- state, mirrored in the URL's fragment so a link or a reload shows the same view ---
  const defaults = () => ({
    models: new Set(models.keys()), levels: new Set(levels.keys()), critical: false, ai: false, q: "",
    changes: false, own: new Set(D.own_default), cell: "", target: "",{% if per_party %} party: "",{% endif %}

  });
  let state = defaults();

  function ids(value, known) {
    return new Set(value.split(",").filter((id) => known.has(id)));
  }

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    state = defaults();
    if (p.has("m")) state.models = ids(p.get("m"), models);
    if (p.has("l")) state.levels = ids(p.get("l"), levels);
    state.critical = p.get("c") === "1";
    state.ai = p.get("a") === "1";
    state.q = (p.get("q") || "").slice(0, 200);
    state.changes = hasChanges && p.get("x") === "1";
    if (p.has("own")) state.own = ids(p.get("own"), models);
    const target = p.get("t") || "";
    state.target = targets.has(target) ? target : "";
{% if per_party %}
    state.party = D.value_parties.includes(p.get("p")) ? p.get("p") : "";
{% endif %}
    const cell = p.get("d") || "";
    state.cell = byId.has(cell) ? cell : "";
  }

  function same(set, keys) {
    return set.size === keys.length && keys.every((k) => set.has(k));
  }

  function writeHash() {
    const p = new URLSearchParams();
    if (!same(state.models, [...models.keys()])) p.set("m", [...state.models].join(","));
    if (!same(state.levels, [...levels.keys()])) p.set("l", [...state.levels].join(","));
    if (state.critical) p.set("c", "1");
    if (state.ai) p.set("a", "1");
    if (state.q) p.set("q", state.q);
    if (state.changes) p.set("x", "1");
    if (!same(state.own, D.own_default)) p.set("own", [...state.own].join(","));
    if (state.target) p.set("t", state.target);
{% if per_party %}
    if (state.party) p.set("p", state.party);
{% endif %}
    if (state.cell) p.set("d", state.cell);
    const hash = p.toString();
    if (hash !== location.hash.slice(1)) history.replaceState(null, "", "#" + hash);
  }

  // --- building elements from text ---
  function el(tag, props, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const kid of kids) if (kid !== null && kid !== undefined && kid !== "") node.append(kid);
    return node;
  }
  const hidden = (text) => el("span", { class: "vh", text });

  function checkbox(id, label, checked, onChange) {
    const box = el("input", { type: "checkbox", id });
    box.checked = checked;
    box.addEventListener("change", () => onChange(box.checked));
    return el("label", { for: id }, box, label);
  }

  function toggle(set, key, on) {
    if (on) set.add(key);
    else set.delete(key);
  }

  // --- the view: which cells the filters and the search leave ---
  function inView(c) {
    const q = state.q.trim().toLowerCase();
{% if per_party %}
    // The level filter keeps a cell where the party picked (any party, if none) holds a level left on.
    const levelKept = c.values.some((v) => (!state.party || v.party === state.party) && state.levels.has(v.level));
    return state.models.has(c.model) && levelKept && (!state.critical || c.critical)
{% else %}
    return state.models.has(c.model) && state.levels.has(c.level) && (!state.critical || c.critical)
{% endif %}
      && (!state.ai || domains.get(c.domain).ai_specific) && (!q || c.haystack.includes(q))
      && (!state.target || targets.get(state.target).has(c.domain));
  }

{% if per_party %}
  function valueText(v) {
    return partyName(v.party) + ": " + levels.get(v.level).label;
  }

  function levelText(c) {
    return c.values.map(valueText).join("; ") + (c.critical ? " " + D.marker : "");
  }
{% else %}
  function levelText(c) {
    return levels.get(c.level).label + (c.critical ? " " + D.marker : "");
  }
{% endif %}

  function raciOf(domainId) {
    const letters = D.raci[domainId].letters;
    const named = (letter) => D.roles.filter((_, i) => letters[i] === letter);
    return { accountable: named("A"), responsible: named("R") };
  }

  // --- CSV: the published long table's columns and rows, for the cells given ---
  function csvField(value) {
    let text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(list) {
    const lines = [D.columns, ...{% if per_party %}list.flatMap((c) => c.rows){% else %}list.map((c) => c.row){% endif %}].map((row) => row.map(csvField).join(","));
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function download(name, text) {
    const link = el("a", { href: "data:text/csv;charset=utf-8," + encodeURIComponent(text), download: name });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // --- filters ---
  const controls = {};

  function buildFilters() {
    const root = document.getElementById("filters");
    const modelSet = el("fieldset", {}, el("legend", { text: {{ axes.columns.plural | tojson }} }));
    for (const m of models.values()) {
      controls["m-" + m.id] = modelSet.appendChild(
        checkbox("f-model-" + m.id, m.short_name, true, (on) => update(() => toggle(state.models, m.id, on))));
    }
    const levelSet = el("fieldset", {}, el("legend", { text: "Responsibility level" }));
    for (const v of levels.values()) {
      controls["l-" + v.id] = levelSet.appendChild(
        checkbox("f-level-" + v.id, v.label, true, (on) => update(() => toggle(state.levels, v.id, on))));
    }
{% if per_party %}
    const partySelect = el("select", { id: "f-party" }, el("option", { value: "", text: "Any party" }),
      ...D.value_parties.map((id) => el("option", { value: id, text: partyName(id) })));
    partySelect.addEventListener("change", () => update(() => { state.party = partySelect.value; }));
    controls.party = partySelect;
    levelSet.append(el("label", { for: "f-party", text: "held by" }), partySelect);
{% endif %}
    const showSet = el("fieldset", {}, el("legend", { text: "Show" }));
    controls.critical = showSet.appendChild(checkbox("f-critical", "Critical focus cells only (" + D.marker + ")",
      false, (on) => update(() => { state.critical = on; })));
    controls.ai = showSet.appendChild(checkbox("f-ai", {{ ("AI-specific " ~ axes.rows.nouns ~ " only (") | tojson }} + D.ai_mark + ")", false,
      (on) => update(() => { state.ai = on; })));
    if (hasChanges) {
      controls.changes = showSet.appendChild(checkbox("f-changes",
        "Highlight changes since v" + D.changes.previous_version, false, (on) => update(() => { state.changes = on; })));
    }
    const search = el("input", { type: "search", id: "f-search", autocomplete: "off", spellcheck: "false" });
    search.addEventListener("input", () => update(() => { state.q = search.value; }));
    controls.search = search;
    const searchRow = el("div", { class: "search" },
      el("label", { for: "f-search", text: {{ ("Search " ~ axes.rows.noun ~ " names, descriptions and duties") | tojson }} }), search);
    const targetRow = buildTargetFilter();
    const exportButton = el("button", { type: "button", id: "export-view", text: "Export this view (CSV)" });
    exportButton.addEventListener("click", () =>
      download(D.file_prefix + "-responsibilities-view.csv", csv(cells.filter(inView))));
    const printButton = el("button", { type: "button", id: "print", text: "Print" });
    printButton.addEventListener("click", () => window.print());
    const resetButton = el("button", { type: "button", id: "reset", text: "Reset filters" });
    resetButton.addEventListener("click", () => update(() => {
      const own = state.own;
      state = defaults();
      state.own = own;
    }));
    root.append(modelSet, levelSet, showSet, searchRow, targetRow, el("div", { class: "actions" }, exportButton, printButton,
      resetButton));
  }

  function buildTargetFilter() {
    if (!D.mappings.length) return "";
    const select = el("select", { id: "f-target" }, el("option", { value: "", text: "Any" }));
    for (const f of D.mappings) {
      select.append(el("optgroup", { label: f.name },
        ...f.targets.map((t) => el("option", { value: f.id + " " + t.id, text: t.id + ": " + t.title }))));
    }
    select.addEventListener("change", () => update(() => { state.target = select.value; }));
    controls.target = select;
    return el("div", { class: "search" },
      el("label", { for: "f-target", text: "Mapped to (the project's informative reading)" }), select);
  }

  function syncControls() {
    for (const m of models.keys()) controls["m-" + m].firstChild.checked = state.models.has(m);
    for (const v of levels.keys()) controls["l-" + v].firstChild.checked = state.levels.has(v);
    controls.critical.firstChild.checked = state.critical;
    controls.ai.firstChild.checked = state.ai;
    if (controls.changes) controls.changes.firstChild.checked = state.changes;
    if (controls.search.value !== state.q) controls.search.value = state.q;
    if (controls.target) controls.target.value = state.target;
{% if per_party %}
    controls.party.value = state.party;
{% endif %}
    for (const m of models.keys()) controls["own-" + m].firstChild.checked = state.own.has(m);
  }

  // --- the matrix ---
  function renderLegend() {
    const legend = document.getElementById("legend");
    legend.replaceChildren("Levels: ",
      ...D.levels.map((v) => el("span", { class: "key lv-" + v.id, title: v.definition, text: v.label })),
      " " + D.marker + " after a level: a critical focus area. " + D.ai_mark + {{ (" after a " ~ axes.rows.noun ~ ": AI-specific.") | tojson }});
  }

  function renderMatrix() {
    const shownModels = D.models.filter((m) => state.models.has(m.id));
    const head = el("tr", {}, el("th", { scope: "col", text: {{ axes.rows.name | tojson }} }),
      ...shownModels.map((m) => el("th", { scope: "col", title: m.name, text: m.short_name })));
    const body = el("tbody");
    let count = 0;
    for (const d of D.domains) {
      const row = shownModels.map((m) => byId.get(d.id + "." + m.id));
      const visible = row.map(inView);
      if (!visible.some(Boolean)) continue;
      const name = el("th", { scope: "row" }, d.number + ". " + d.label,
        d.ai_specific ? " " + D.ai_mark : "", d.ai_specific ? hidden(" (AI-specific)") : "");
      const tds = row.map((c, i) => {
        if (!visible[i]) return el("td", { class: "out", "data-cell": c.id, "data-in": "0" });
        count += 1;
        const changed = state.changes && D.changes.cells[c.id] !== undefined;
{% if per_party %}
        // A line per party, in its level's colours; the marker after the last.
        const lines = c.values.map((v, n) => el("span", { class: "value lv-" + v.level, "data-party": v.party },
          valueText(v) + (n < c.values.length - 1 ? "" : (c.critical ? " " + D.marker : ""))));
        const button = el("button", { type: "button", class: "per-party", "data-cell": c.id,
          "aria-haspopup": "dialog" }, ...lines, c.critical ? hidden(" (critical focus area)") : "",
{% else %}
        const button = el("button", { type: "button", class: "lv-" + c.level, "data-cell": c.id,
          "aria-haspopup": "dialog" }, levelText(c), c.critical ? hidden(" (critical focus area)") : "",
{% endif %}
        changed ? el("span", { class: "was", text: "changed, was " + D.changes.cells[c.id] }) : "");
        button.addEventListener("click", () => openDetail(c.id));
        return el("td", { class: [c.critical ? "critical" : "", changed ? "changed" : ""].join(" ").trim(),
          "data-cell": c.id, "data-in": "1" }, button);
      });
      body.append(el("tr", { "data-domain": d.id }, name, ...tds));
    }
    const table = el("table", { class: "matrix", id: "matrix-table" },
      el("caption", { text: {{ ("Each cell names the level: who owns the " ~ axes.rows.term ~ " in that " ~ axes.columns.term ~ ". ") | tojson }}
        + "Select a cell for its duties, why it matters and the internal RACI." }),
      el("thead", {}, head), body);
    table.addEventListener("keydown", arrowKeys);
    document.getElementById("matrix").replaceChildren(count ? table : el("p", { text: "No cell matches: change "
      + "the filters or the search." }));
    const domainsShown = body.children.length;
    let summary = "Showing " + count + " of " + cells.length + " cells: " + domainsShown + {{ (" " ~ axes.rows.plural | lower ~ ", ") | tojson }}
      + shownModels.length + {{ (" " ~ axes.columns.plural | lower ~ ".") | tojson }};
    if (state.changes) summary += " " + D.changes.summary;
    document.getElementById("view-summary").textContent = summary;
  }

  function arrowKeys(event) {
    const moves = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] };
    const move = moves[event.key];
    const td = event.target.closest("td");
    if (!move || !td) return;
    const rows = [...event.currentTarget.tBodies[0].rows];
    let r = rows.indexOf(td.parentElement);
    let col = td.cellIndex;
    for (;;) {
      r += move[0];
      col += move[1];
      if (r < 0 || r >= rows.length || col < 1 || col >= rows[r].cells.length) return;
      const target = rows[r].cells[col].querySelector("button");
      if (target) {
        event.preventDefault();
        target.focus();
        return;
      }
    }
  }

  // --- the detail of one cell ---
  const dialog = document.getElementById("detail");
  dialog.addEventListener("close", () => {
    state.cell = "";
    writeHash();
  });

  function entry(term, ...description) {
    return [el("dt", { text: term }), el("dd", {}, ...description)];
  }

  function openDetail(cellId) {
    const c = byId.get(cellId);
    const m = models.get(c.model);
    const d = domains.get(c.domain);
{% if per_party %}
    const list = el("dl", {},
      ...c.values.flatMap((v) => entry(valueText(v), levels.get(v.level).definition + " " + v.does)),
{% else %}
    const v = levels.get(c.level);
    const list = el("dl", {},
      ...entry("Level", levelText(c) + ": " + v.definition),
{% endif %}
      ...(c.critical ? entry("Why it is critical", "A critical focus area: the " + m.name + {{ (" " ~ axes.columns.term ~ " ") | tojson }}
        + "depends on getting " + d.name + {{ (" right. The " ~ axes.rows.noun ~ " covers: ") | tojson }} + d.focus + ".") : []),
      ...(D.changes.cells[c.id] !== undefined ? entry("Changed since v" + D.changes.previous_version,
        "Was " + D.changes.cells[c.id] + ", now " + levelText(c) + ".") : []),
{% if per_party %}
      ...(c.rows[0][COL.example] ? entry("Example", c.rows[0][COL.example]) : []));
{% else %}
      ...entry(D.parties.provider + " does", c.row[COL.provider_does]),
      ...entry(D.parties.customer + " does", c.row[COL.customer_does]),
      ...(c.row[COL.example] ? entry("Example", c.row[COL.example]) : []));
{% endif %}
    const letters = D.raci[c.domain].letters;
    const raci = el("table", { class: "raci" },
      el("caption", { text: "Internal roles for " + d.name + " (R responsible, A accountable, C consulted, "
        + "I informed)" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Role" }), el("th", { scope: "col",
        text: "RACI" }))),
      el("tbody", {}, ...D.roles.map((role, i) => el("tr", {}, el("th", { scope: "row", text: role }),
        el("td", { text: letters[i] })))));
    const close = el("button", { type: "button", class: "close", text: "Close" });
    close.addEventListener("click", () => dialog.close());
    dialog.replaceChildren(el("div", { class: "detail-top" },
      el("h2", { id: "detail-heading", text: d.number + ". " + d.name + ": " + m.short_name }), close),
    list, raci, el("p", { text: D.raci[c.domain].rationale }));
    state.cell = cellId;
    writeHash();
    if (!dialog.open) dialog.showModal();
    close.focus();
  }

  // --- what do we own ---
  function buildOwn() {
    const root = document.getElementById("own");
    const set = el("fieldset", {}, el("legend", { text: {{ (axes.columns.plural ~ " we use") | tojson }} }));
    for (const m of models.values()) {
      controls["own-" + m.id] = set.appendChild(checkbox("own-" + m.id, m.short_name, state.own.has(m.id),
        (on) => update(() => toggle(state.own, m.id, on))));
    }
    const exportButton = el("button", { type: "button", id: "export-own", text: "Export these obligations (CSV)" });
    exportButton.addEventListener("click", () =>
      download(D.file_prefix + "-obligations.csv", csv(owned())));
    root.append(set, exportButton, el("div", { id: "own-list", "aria-live": "polite" }));
  }

  function owned() {
{% if per_party %}
    // The audience's own level in each cell: the cells it carries.
    return cells.filter((c) => state.own.has(c.model) && levels.get(audienceValue(c).level).customer);
{% else %}
    return cells.filter((c) => state.own.has(c.model) && levels.get(c.level).customer);
{% endif %}
  }

  function renderOwn() {
    const list = owned();
    const out = document.getElementById("own-list");
    if (!state.own.size) {
      out.replaceChildren(el("p", { text: {{ ("Pick one or more " ~ axes.columns.plural | lower ~ " above.") | tojson }} }));
      return;
    }
    const groups = D.domains.map((d) => [d, list.filter((c) => c.domain === d.id)]).filter(([, l]) => l.length);
    const parts = [el("p", { class: "count", text: list.length + " obligations in " + groups.length
      + {{ (" " ~ axes.rows.plural | lower ~ ".") | tojson }} })];
    for (const [d, items] of groups) {
      const roles = raciOf(d.id);
      parts.push(el("h3", { text: d.number + ". " + d.name + (d.ai_specific ? " " + D.ai_mark : "") }),
        el("p", { text: "Accountable: " + (roles.accountable.join(", ") || "none") + ". Responsible: "
          + (roles.responsible.join(", ") || "none") + "." }),
        el("ul", {}, ...items.map((c) => el("li", { "data-cell": c.id },
          el("strong", { text: models.get(c.model).short_name }), ", " + levelText(c),
          c.critical ? hidden(" (critical focus area)") : "", ": " + {% if per_party %}audienceValue(c).does{% else %}c.row[COL.customer_does]{% endif %}))));
    }
    out.replaceChildren(...parts);
  }

  function update(change) {
    change();
    writeHash();
    render();
  }

  function render() {
    renderMatrix();
    renderOwn();
  }

  function restore() {
    readHash();
    syncControls();
    render();
    if (state.cell) openDetail(state.cell);
    else if (dialog.open) dialog.close();
  }

  buildFilters();
  buildOwn();
  renderLegend();
  restore();
  window.addEventListener("hashchange", restore);
  document.documentElement.dataset.ready = "true";
  performance.mark("explorer-ready");
})();
