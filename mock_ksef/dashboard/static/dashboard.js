// mock-ksef dashboard: polls the mock about once a second and draws what it returns.
//
// Every piece of data (session and invoice numbers come from clients) is inserted with
// textContent or as an attribute value; nothing is ever parsed as HTML.
"use strict";

(() => {
  const POLL_MS = 1000;
  const JOURNAL_ROWS = 40;
  // Relative to /_mock/dashboard/, so a path prefix in front of the mock keeps working.
  const URLS = {
    state: (inbox, permissions) =>
      `api/state?requests=${JOURNAL_ROWS}${inbox ? `&inbox=${encodeURIComponent(inbox)}` : ""}` +
      (permissions ? `&permissions=${encodeURIComponent(permissions)}` : ""),
    invoices: (ref) => `api/sessions/${encodeURIComponent(ref)}/invoices`,
    clock: "../clock",
    reset: "../reset",
  };

  const $ = (id) => document.getElementById(id);
  let selected = null; // reference of the session shown in the timeline
  let inboxContext = null; // context whose inbox is shown (null: the mock picks the first)
  let permissionsContext = null; // context whose holders are shown (null: the first)
  let pinned = false; // true once the user picked a session; otherwise follow the newest
  let lastState = null;
  let lastStateText = "";
  let lastInvoicesText = "";
  let sequence = 0;
  let drawn = 0;

  // ---- small DOM helpers (text only) ------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function badge(code, family, extra) {
    const node = el("span", `badge f-${family}${extra ? ` ${extra}` : ""}`, code);
    node.title = family;
    return node;
  }

  const TIME_PARTS = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Warsaw",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  // "2026-11-24 10:00:00" in Polish local time (the mock sends UTC ISO 8601).
  function localTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const p = Object.fromEntries(TIME_PARTS.formatToParts(date).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }

  // "SO…1E414C343C-F1": the type and the tail of a 36-character reference number.
  function shortRef(ref) {
    if (!ref) return "";
    const text = String(ref);
    const kind = text.split("-")[1] || "";
    return text.length > 20 ? `${kind}…${text.slice(-13)}` : text;
  }

  // ---- network -------------------------------------------------------------------------

  async function getJson(url) {
    const response = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) throw new Error(errorText(data) || `HTTP ${response.status}`);
    return data;
  }

  function errorText(data) {
    const list = data && data.exception && data.exception.exceptionDetailList;
    if (!Array.isArray(list) || !list.length) return "";
    return list.map((e) => [e.exceptionDescription, ...(e.details || [])].join(": ")).join("; ");
  }

  function setConnection(state, text) {
    const node = $("connection");
    node.dataset.state = state;
    node.textContent = text;
  }

  // ---- drawing ---------------------------------------------------------------------------

  function drawClock(clock) {
    $("clock-now").textContent = localTime(clock.now);
    $("clock-now").dateTime = clock.now;
    $("clock-kind").textContent = clock.movable
      ? `${clock.kind} clock · ${clock.now}`
      : `${clock.kind} clock (start with --clock frozen or offset to move it)`;
    for (const button of document.querySelectorAll("#controls button[data-seconds], #custom-go")) {
      button.disabled = !clock.movable;
    }
  }

  function sessionCard(session) {
    const item = el("li", `session f-${session.family}`);
    item.dataset.reference = session.referenceNumber;
    item.dataset.code = String(session.status.code);
    item.tabIndex = 0;
    if (session.referenceNumber === selected) item.classList.add("selected");
    item.append(badge(session.status.code, session.family, "large"));
    item.append(el("div", "status-text", session.status.description));
    const details = session.status.details || [];
    item.append(el("div", "details", details.join(" · ")));
    // When it was opened and when its status last changed, so cards can be told apart.
    const when = el("div", "when");
    when.append(el("time", "opened", `opened ${localTime(session.dateCreated)}`));
    const last = session.history[session.history.length - 1];
    if (last && session.history.length > 1) {
      when.append(" · ", el("time", "changed", `${last.code} at ${localTime(last.at)}`));
    }
    item.append(when);
    const meta = el("div", "meta");
    meta.append(el("span", "mono", session.referenceNumber));
    const counts = `invoices ${session.invoiceCount} (✓ ${session.successfulInvoiceCount}, ✗ ${session.failedInvoiceCount})`;
    meta.append(
      el(
        "div",
        null,
        `${session.sessionType} · ${session.context.type} ${session.context.value} · ` +
          `scenario ${session.scenario} · ${counts}`,
      ),
    );
    item.append(meta);
    const choose = () => {
      selected = session.referenceNumber;
      pinned = true;
      lastStateText = "";
      refresh();
    };
    item.addEventListener("click", choose);
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") choose();
    });
    return item;
  }

  function drawSessions(state) {
    const sessions = state.sessions;
    $("no-sessions").hidden = sessions.length > 0;
    $("session-count").textContent =
      state.sessionCount > sessions.length
        ? `(${sessions.length} newest of ${state.sessionCount})`
        : `(${sessions.length})`;
    $("sessions").replaceChildren(...sessions.map(sessionCard));
  }

  function drawTimeline(session) {
    $("no-selection").hidden = Boolean(session);
    $("selected-ref").textContent = session ? session.referenceNumber : "";
    if (!session) {
      $("timeline").replaceChildren();
      return;
    }
    const rows = session.history.map((event) => {
      const item = el("li", `f-${event.family}`);
      item.dataset.code = String(event.code);
      item.append(badge(event.code, event.family));
      item.append(el("span", "description", event.description));
      item.append(el("time", "when", localTime(event.at)));
      if (event.details && event.details.length) {
        item.append(el("span", "details", event.details.join(" · ")));
      }
      item.append(el("span", "cause", event.cause));
      return item;
    });
    $("timeline").replaceChildren(...rows);
  }

  function drawInvoices(data) {
    const invoices = data ? data.invoices : [];
    $("invoice-count").textContent = data ? `(${invoices.length})` : "";
    const rows = invoices.map((invoice) => {
      const row = el("tr", `f-${invoice.family}`);
      row.dataset.code = String(invoice.status.code);
      row.append(el("td", null, invoice.ordinalNumber));
      const status = el("td");
      status.append(badge(invoice.status.code, invoice.family), " ");
      status.append(el("span", null, invoice.status.description));
      if (invoice.status.details.length) {
        status.append(el("div", "muted", invoice.status.details.join(" · ")));
      }
      row.append(status);
      row.append(el("td", "mono", invoice.invoiceNumber || "—"));
      row.append(el("td", "mono", invoice.ksefNumber || "—"));
      return row;
    });
    if (data && !rows.length) {
      const row = el("tr");
      const cell = el("td", "empty", "No invoices sent in this session.");
      cell.colSpan = 4;
      row.append(cell);
      rows.push(row);
    }
    $("invoices").tBodies[0].replaceChildren(...rows);
  }

  function httpClass(status) {
    if (status === null || status === undefined) return "http-dropped";
    return `http-${String(status)[0]}xx`;
  }

  function drawJournal(state) {
    const shown = state.requests.length;
    $("request-count").textContent =
      state.requestCount > shown ? `(latest ${shown} of ${state.requestCount})` : `(${shown})`;
    const rows = state.requests.map((entry) => {
      const row = el("tr");
      // Date and time: after a +12 h move the clock reads like the same hour of another day.
      row.append(el("td", "nowrap", localTime(entry.time)));
      // The route template reads better than the path; the session has its own column.
      const what = el("td", "mono", `${entry.method} ${(entry.route || entry.path).replaceAll("{referenceNumber}", "{ref}")}`);
      what.title = entry.path;
      if (entry.fault) what.append(el("div", "fault", `fault: ${entry.fault}`));
      row.append(what);
      row.append(el("td", httpClass(entry.status), entry.status ?? "dropped"));
      const session = el("td", "mono nowrap", shortRef(entry.session));
      if (entry.session) session.title = entry.session;
      row.append(session);
      row.append(el("td", null, entry.scenario || ""));
      return row;
    });
    $("journal").tBodies[0].replaceChildren(...rows);
  }

  function drawScenarios(scenarios) {
    const items = scenarios.active.map((scenario) => {
      const item = el("li");
      item.append(el("span", "name", scenario.name));
      if (scenario.runtimeDefault) item.append(el("span", "tag", "runtime default"));
      if (scenario.boundContexts.length) item.append(el("span", "tag", "bound"));
      if (scenario.description) item.append(el("div", "description", scenario.description));
      const lines = [];
      const selector = scenario.selector;
      if (selector && selector.contexts.length) lines.push(`selects NIP ${selector.contexts.join(", ")}`);
      if (selector && selector.default) lines.push("default scenario");
      if (scenario.boundContexts.length) lines.push(`bound to ${scenario.boundContexts.join(", ")}`);
      if (scenario.sessionContexts.length) {
        lines.push(`sessions of ${scenario.sessionContexts.join(", ")}`);
      }
      if (lines.length) item.append(el("div", "contexts", lines.join(" · ")));
      return item;
    });
    if (!items.length) {
      items.push(el("li", "empty", "None in use: logins pick a scenario by header, token or NIP."));
    }
    $("scenarios").replaceChildren(...items);
    // Counted as the start-up banner counts them ("40 loaded from …"): without the
    // built-in "natural" scenario, which is always there and named apart.
    const builtin = scenarios.loaded.filter((s) => s.builtin).map((s) => s.name);
    const loaded = scenarios.loaded.length - builtin.length;
    $("loaded-count").textContent = builtin.length
      ? `(${loaded}, plus the built-in ${builtin.join(", ")})`
      : `(${loaded})`;
    $("all-scenarios").replaceChildren(
      ...scenarios.loaded.map((s) => {
        const contexts = s.contexts.length ? ` — ${s.contexts.join(", ")}` : "";
        const tag = s.builtin ? " (built-in)" : s.default ? " (default)" : "";
        return el("li", null, `${s.name}${tag}${contexts}`);
      }),
    );
  }

  function money(amount, currency) {
    const text = Number(amount).toFixed(2);
    return `${text} ${currency}`;
  }

  // 100 in progress, 200 succeeded, anything else (210 expired, 415, 420, 500, 550) failed.
  function exportFamily(code) {
    if (code === 100) return "InProgress";
    return code === 200 ? "Succeeded" : "Failed";
  }

  function drawInbox(inbox) {
    const contexts = inbox.contexts;
    $("no-inbox").hidden = contexts.length > 0;
    $("inbox-picker").hidden = contexts.length === 0;
    $("inbox-count").textContent = inbox.context
      ? `(${inbox.context}: ${inbox.received} received)`
      : "";
    $("inbox-context").replaceChildren(
      ...contexts.map((c) => {
        const option = el("option", null, `${c.context} — ${c.received} received, ${c.exports} exports`);
        option.value = c.context;
        return option;
      }),
    );
    if (inbox.context) $("inbox-context").value = inbox.context;
    const rows = inbox.invoices.map((invoice) => {
      const row = el("tr", invoice.visible ? null : "pending");
      row.dataset.ksefNumber = invoice.ksefNumber;
      row.append(el("td", "mono", invoice.ksefNumber));
      row.append(el("td", "mono", invoice.invoiceNumber));
      const seller = el("td");
      seller.append(el("div", null, invoice.seller.name || "—"), el("div", "mono muted", invoice.seller.nip));
      row.append(seller);
      row.append(el("td", "amount", money(invoice.grossAmount, invoice.currency)));
      row.append(el("td", "nowrap", invoice.issueDate));
      const stored = el("td", "nowrap", localTime(invoice.permanentStorageDate));
      if (!invoice.visible) stored.append(el("div", "muted", "not yet visible"));
      row.append(stored);
      return row;
    });
    $("inbox-invoices").tBodies[0].replaceChildren(...rows);
    $("export-count").textContent = inbox.context ? `(${inbox.exports.length})` : "";
    const exports = inbox.exports.map((job) => {
      const family = exportFamily(job.status.code);
      const row = el("tr", `f-${family}`);
      row.dataset.reference = job.referenceNumber;
      row.dataset.code = String(job.status.code);
      row.append(el("td", "mono", job.referenceNumber));
      const status = el("td");
      status.append(badge(job.status.code, family), " ", el("span", "description", job.status.description));
      row.append(status);
      row.append(el("td", "count", job.invoiceCount ?? "—"));
      row.append(el("td", "truncated", job.isTruncated === null ? "—" : job.isTruncated ? "yes" : "no"));
      row.append(el("td", "nowrap", localTime(job.created)));
      return row;
    });
    $("exports").tBodies[0].replaceChildren(...exports);
  }

  // "Anna Nowak" over "Pesel 90010112301" (text only).
  function who(name, party) {
    const cell = el("td");
    if (name) cell.append(el("div", null, name));
    cell.append(el("div", "mono", `${party.type} ${party.value}`));
    return cell;
  }

  function drawPermissions(view) {
    const contexts = view.contexts;
    $("no-permissions").hidden = contexts.length > 0;
    $("permissions-picker").hidden = contexts.length === 0;
    $("permissions-mode").textContent = view.context ? `(${view.context}: ${view.mode})` : "";
    $("permissions-context").replaceChildren(
      ...contexts.map((c) => {
        const option = el("option", null, `${c.context} — ${c.holders} holders, ${c.tokens} tokens`);
        option.value = c.context;
        return option;
      }),
    );
    if (view.context) $("permissions-context").value = view.context;
    const rows = [];
    if (view.owner) {
      const row = el("tr", "owner");
      row.append(who("owner", view.owner.subject), el("td", null, "owner"));
      row.append(el("td", null, view.owner.permissions.join(", ")));
      rows.push(row);
    }
    for (const holder of view.holders) {
      const row = el("tr");
      row.dataset.subject = holder.subject.value;
      row.append(who(holder.name, holder.subject));
      const target = holder.target ? ` → ${holder.target.type} ${holder.target.value}` : "";
      row.append(el("td", null, `${holder.kind}${target}`));
      const rights = holder.permissions.map((p) =>
        holder.canDelegate.includes(p) ? `${p} (can delegate)` : p,
      );
      row.append(el("td", null, rights.join(", ")));
      rows.push(row);
    }
    $("holders").tBodies[0].replaceChildren(...rows);
    $("token-count").textContent = view.context ? `(${view.tokens.length})` : "";
    const tokens = view.tokens.map((token) => {
      const row = el("tr", `t-${token.status}`);
      row.dataset.reference = token.referenceNumber;
      row.append(el("td", "mono", token.referenceNumber));
      row.append(el("td", null, token.status));
      row.append(el("td", null, token.permissions.join(", ")));
      row.append(el("td", "mono", `${token.author.type} ${token.author.value}`));
      row.append(el("td", null, token.description));
      return row;
    });
    $("ksef-tokens").tBodies[0].replaceChildren(...tokens);
  }

  function chooseSelection(state) {
    const refs = state.sessions.map((s) => s.referenceNumber);
    if (!pinned || !refs.includes(selected)) {
      pinned = pinned && refs.includes(selected);
      selected = refs.length ? refs[0] : null;
    }
    return state.sessions.find((s) => s.referenceNumber === selected) || null;
  }

  // ---- refresh loop ----------------------------------------------------------------------

  async function refresh() {
    const mine = ++sequence;
    try {
      const text = JSON.stringify(await getJson(URLS.state(inboxContext, permissionsContext)));
      const state = JSON.parse(text);
      const session = chooseSelection(state);
      const invoices = session ? await getJson(URLS.invoices(session.referenceNumber)) : null;
      if (mine < drawn) return; // a newer answer was drawn meanwhile
      drawn = mine;
      setConnection("live", "live");
      if (text !== lastStateText) {
        lastStateText = text;
        lastState = state;
        drawClock(state.clock);
        drawSessions(state);
        drawTimeline(session);
        drawJournal(state);
        drawScenarios(state.scenarios);
        drawInbox(state.inbox);
        drawPermissions(state.permissions);
      }
      const invoicesText = JSON.stringify(invoices);
      if (invoicesText !== lastInvoicesText) {
        lastInvoicesText = invoicesText;
        drawInvoices(invoices);
      }
      document.body.dataset.refreshed = String(mine);
    } catch (error) {
      setConnection("offline", `offline — retrying (${error.message})`);
    }
  }

  async function loop() {
    await refresh();
    window.setTimeout(loop, POLL_MS);
  }

  // ---- actions -----------------------------------------------------------------------------

  async function act(label, work) {
    const message = $("action-message");
    message.textContent = `${label}…`;
    try {
      await work();
      message.textContent = `${label}: done`;
    } catch (error) {
      message.textContent = `${label}: ${error.message}`;
    }
    lastStateText = "";
    await refresh();
  }

  function shift(seconds, label) {
    return act(`Clock ${label}`, () => postJson(URLS.clock, { shiftSeconds: seconds }));
  }

  function wire() {
    for (const button of document.querySelectorAll("#controls button[data-seconds]")) {
      button.addEventListener("click", () =>
        shift(Number(button.dataset.seconds), button.textContent.trim()),
      );
    }
    $("custom-shift").addEventListener("submit", (event) => {
      event.preventDefault();
      const amount = Number($("custom-amount").value);
      const unit = Number($("custom-unit").value);
      if (!Number.isFinite(amount) || amount === 0) {
        $("action-message").textContent = "Enter a number other than 0";
        return;
      }
      const unitName = $("custom-unit").selectedOptions[0].textContent;
      shift(Math.round(amount * unit * 1000) / 1000, `${amount >= 0 ? "+" : ""}${amount} ${unitName}`);
    });
    $("inbox-context").addEventListener("change", () => {
      inboxContext = $("inbox-context").value || null;
      lastStateText = "";
      refresh();
    });
    $("inbox-picker").addEventListener("submit", (event) => event.preventDefault());
    $("permissions-context").addEventListener("change", () => {
      permissionsContext = $("permissions-context").value || null;
      lastStateText = "";
      refresh();
    });
    $("permissions-picker").addEventListener("submit", (event) => event.preventDefault());
    $("reset").addEventListener("click", () => {
      selected = null;
      pinned = false;
      inboxContext = null;
      permissionsContext = null;
      act("Reset", () => postJson(URLS.reset, {}));
    });
  }

  wire();
  loop();
  // Exposed for tests and the console: the last snapshot drawn.
  window.mockKsefDashboard = { refresh, state: () => lastState };
})();
