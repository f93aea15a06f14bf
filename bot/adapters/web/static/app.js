// The web try-out page: sends turns to POST /web/turn and draws the reply objects.
// Every piece of text goes in through textContent: nothing from the server is parsed as HTML.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const busy = document.getElementById("busy");
  // The page's own words, from the knowledge like the rest (rendered into the page).
  const words = { you: log.dataset.you, unreachable: log.dataset.unreachable };
  let pending = false;

  function el(tag, opts, children) {
    const node = document.createElement(tag);
    if (opts) {
      if (opts.cls) node.className = opts.cls;
      if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
      if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function eventId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function paragraphs(text) {
    return String(text).split(/\n{2,}/).map((p) => el("p", { text: p }));
  }

  function list(items, ordered) {
    return el(ordered ? "ol" : "ul", null, items.map((t) => el("li", { text: t })));
  }

  function section(title, ...nodes) {
    return el("section", null, [el("h3", { text: title }), ...nodes]);
  }

  function definitions(pairs) {
    const dl = el("dl");
    for (const [term, value] of pairs) {
      if (value === undefined || value === null || value === "") continue;
      dl.appendChild(el("dt", { text: term }));
      dl.appendChild(el("dd", { text: value }));
    }
    return dl;
  }

  function choiceButtons(choices, makeBody, label) {
    const group = el("div", { cls: "choices", attrs: { role: "group", "aria-label": label } });
    for (const choice of choices) {
      const button = el("button", { text: choice.label, attrs: { type: "button" } });
      button.dataset.value = choice.value;
      button.addEventListener("click", () => {
        if (pending) return;
        for (const b of group.querySelectorAll("button")) b.disabled = true;
        button.classList.add("picked");
        send(makeBody(choice), choice.label, true);
      });
      group.appendChild(button);
    }
    return group;
  }

  // Each reply comes with its view (dialogs/view.py): every heading, label and line worded by
  // the server. The page only lays it out.
  function renderQuestion(q) {
    const v = q.view;
    const box = el("div", { cls: "msg question" });
    box.dataset.questionId = v.question_id;
    if (v.progress) box.appendChild(el("p", { cls: "step", text: v.progress }));
    box.appendChild(el("p", { cls: "question-text", text: v.text }));
    if (v.hint) box.appendChild(el("p", { cls: "hint", text: v.hint }));
    if (v.choices.length) {
      box.appendChild(choiceButtons(v.choices, (c) => ({
        question_id: v.question_id, value: c.value, state_version: v.state_version,
        event_id: eventId(),
      }), v.text));
    }
    // Back (undo the last answer) and "just tell me now": commands, drawn from the reply.
    if (v.commands.length) {
      const actions = choiceButtons(v.commands, (a) => ({ command: a.value, event_id: eventId() }),
        v.commands_label);
      actions.classList.add("question-actions");
      box.appendChild(actions);
    }
    return box;
  }

  // The card's pictures as images from our own server (SVG), each with its text alternative.
  function picture(p) {
    if (!p) return null;
    const img = el("img", { attrs: { src: p.url, alt: p.alt, loading: "lazy" } });
    return el("figure", { cls: "picture picture-" + p.kind }, [
      img, p.caption ? el("figcaption", { text: p.caption }) : null,
    ]);
  }

  function pictureOf(reply, kind) {
    return (reply.pictures || []).find((p) => p.kind === kind);
  }

  function roadmap(stages, v) {
    const list = el("ol", { cls: "roadmap" });
    for (const s of stages) {
      const heading = el("h4", { text: s.heading });
      if (s.current) heading.appendChild(el("span", { cls: "badge", text: v.start_here }));
      const li = el("li", { cls: "stage" + (s.current ? " current" : "") }, [
        heading,
        s.subtitle ? el("p", { text: s.subtitle }) : null,
        list_(s.steps),
        s.next ? el("p", { cls: "next" }, [el("em", { text: v.next_label }),
          document.createTextNode(" " + s.next)]) : null,
      ]);
      if (s.current) li.setAttribute("aria-current", "step");
      list.appendChild(li);
    }
    return list;
  }

  function list_(items) {
    return items.length ? list(items) : null;
  }

  function facts(items) {
    return items.length ? definitions(items.map((f) => [f.label, f.value])) : null;
  }

  // One section of the card, drawn from what it holds; the pictures go where they belong:
  // the roadmap's opens the roadmap, the cost chart ends the costs.
  function cardSection(reply, v, s) {
    const node = section(s.heading,
      s.id === "roadmap" ? picture(pictureOf(reply, "roadmap")) : null,
      facts(s.facts), list_(s.bullets),
      s.small_print.length ? el("div", { cls: "hint" }, [list(s.small_print)]) : null,
      s.stages.length ? roadmap(s.stages, v) : null,
      s.id === "costs" ? picture(pictureOf(reply, "cost")) : null);
    node.dataset.section = s.id;
    return node;
  }

  function renderRecommendation(reply) {
    const v = reply.view;
    const card = el("article", { cls: "msg card", attrs: { "aria-label": v.label } });
    card.appendChild(el("p", { cls: "step", text: v.label }));
    card.appendChild(el("h2", { text: v.title }));
    card.appendChild(el("p", { text: v.summary }));
    const headline = facts(v.facts);
    if (headline) card.appendChild(headline);
    if (v.remarks.length) card.appendChild(el("div", { cls: "hint" }, [list(v.remarks)]));
    for (const s of v.sections) card.appendChild(cardSection(reply, v, s));
    if (v.footnote) card.appendChild(el("p", { cls: "hint", text: v.footnote }));
    card.appendChild(el("p", { cls: "hint", text: v.follow_up }));
    if (reply.export) {
      card.appendChild(el("p", { cls: "export" }, [el("a", { cls: "button", text: reply.export.label,
        attrs: { href: reply.export.url, download: reply.export.filename } })]));
    }
    card.dataset.approach = v.approach;
    return card;
  }

  function renderTable(table) {
    const head = el("tr", null, table.columns.map((c) => el("th", { text: c, attrs: { scope: "col" } })));
    const rows = table.rows.map((row) => el("tr", null, row.map((cell) => el("td", { text: cell }))));
    return el("table", null, [el("thead", null, [head]), el("tbody", null, rows)]);
  }

  function renderAnswer(a) {
    const v = a.view;
    const box = el("div", { cls: "msg answer" }, [
      v.title ? el("h3", { text: v.title }) : null, ...paragraphs(v.text)]);
    box.dataset.topic = v.topic;
    if (v.table) box.appendChild(renderTable(v.table));
    if (v.choices.length) {
      box.appendChild(choiceButtons(v.choices, (c) => ({ command: "topic", value: c.value,
        event_id: eventId() }), v.choices_label));
    }
    return box;
  }

  function render(reply) {
    switch (reply.kind) {
      case "question": return renderQuestion(reply);
      case "recommendation": return renderRecommendation(reply);
      case "answer": return renderAnswer(reply);
      case "notice": return el("div", { cls: "msg notice" }, paragraphs(reply.text));
      case "error": return el("div", { cls: "msg error", attrs: { role: "alert" } },
        paragraphs(reply.text));
      default: return null;
    }
  }

  function show(node) {
    if (!node) return;
    log.appendChild(node);
    node.scrollIntoView({ block: "nearest" });
  }

  async function send(body, echo, fromButton) {
    pending = true;
    // Whatever answers it (a button, typed text, a command), an earlier question's buttons
    // can no longer be pressed by mistake.
    for (const b of document.querySelectorAll(".msg.question button")) b.disabled = true;
    busy.hidden = false;
    if (echo) show(el("div", { cls: "msg you" }, [el("span", { cls: "visually-hidden", text: words.you + " " }),
      el("span", { text: echo })]));
    let replies;
    try {
      const response = await fetch("/web/turn", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      replies = await response.json();
      if (!Array.isArray(replies)) throw new Error("unexpected answer");
    } catch (e) {
      replies = [{ kind: "error", text: words.unreachable }];
    } finally {
      pending = false;
      busy.hidden = true;
    }
    let firstButton = null;
    for (const reply of replies) {
      const node = render(reply);
      show(node);
      if (node && reply.kind === "question" && !firstButton) firstButton = node.querySelector("button");
    }
    // Keyboard users who answered with a button go straight to the next question's buttons.
    if (fromButton && firstButton) firstButton.focus(); else if (fromButton) input.focus();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || pending) return;
    input.value = "";
    send({ text: text, event_id: eventId() }, text, false);
  });

  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => {
      if (pending) return;
      send({ command: button.dataset.command, event_id: eventId() }, button.textContent, false);
    });
  }

  send({ command: "start" }, null, false);
})();
