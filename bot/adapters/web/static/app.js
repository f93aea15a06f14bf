// The web try-out page: sends turns to POST /web/turn and draws the reply objects.
// Every piece of text goes in through textContent: nothing from the server is parsed as HTML.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const busy = document.getElementById("busy");
  let pending = false;

  const APPROACHES = {
    prompt_engineering: "prompt engineering",
    fine_tuning: "fine-tuning",
    training_from_scratch: "training from scratch",
  };

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

  function renderQuestion(q) {
    const box = el("div", { cls: "msg question" });
    box.dataset.questionId = q.question_id;
    if (q.progress) {
      box.appendChild(el("p", { cls: "step", text: q.progress }));
    } else if (q.step && q.total_steps) {
      box.appendChild(el("p", { cls: "step", text: `Question ${q.step} of ${q.total_steps}` }));
    }
    box.appendChild(el("p", { cls: "question-text", text: q.text }));
    if (q.hint) box.appendChild(el("p", { cls: "hint", text: q.hint }));
    if (q.choices && q.choices.length) {
      box.appendChild(choiceButtons(q.choices, (c) => ({
        question_id: q.question_id, value: c.value, state_version: q.state_version,
        event_id: eventId(),
      }), q.text));
    }
    // Back (undo the last answer) and "just tell me now": commands, drawn from the reply.
    if (q.actions && q.actions.length) {
      const actions = choiceButtons(q.actions, (a) => ({ command: a.value, event_id: eventId() }),
        "More options");
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

  function sectionTitled(card, title) {
    return [...card.querySelectorAll("section")].find((s) => s.firstChild.textContent === title);
  }

  function renderRecommendation(reply) {
    const r = reply.recommendation;
    const card = el("article", { cls: "msg card", attrs: { "aria-label": "Recommendation" } });
    card.appendChild(el("p", { cls: "step", text: "Recommendation" }));
    card.appendChild(el("h2", { text: r.title }));
    card.appendChild(el("p", { text: r.summary }));
    if (r.method_reason) card.appendChild(el("p", { text: r.method_reason }));
    if (r.assumptions && r.assumptions.length) {
      card.appendChild(el("div", { cls: "hint" }, [list(r.assumptions)]));
    }
    if (r.reasons && r.reasons.length) {
      card.appendChild(section("Why", list(r.reasons.map((x) => x.text))));
    }
    if (r.hybrid_reasons && r.hybrid_reasons.length) {
      card.appendChild(section("Combine it with", list(r.hybrid_reasons)));
    }
    const c = r.costs || {};
    card.appendChild(section("Costs", definitions([
      ["Training", c.training], ["Inference", c.inference_per_1k_tokens],
      [c.monthly_label || "At 1M tokens a month", c.monthly || c.monthly_at_1m_tokens],
      ["Best for", c.best_for],
    ])));
    const costLines = [c.hosting, c.payback, c.prices_note].filter(Boolean);
    if (costLines.length) card.appendChild(el("div", { cls: "hint" }, [list(costLines)]));
    const d = r.data_needed || {};
    card.appendChild(section("Data needed", definitions([
      ["Minimum", d.minimum], ["Better", d.better], ["Best", d.best], ["You have", d.you_have],
    ])));
    const stages = el("ol", { cls: "roadmap" });
    for (const s of r.roadmap || []) {
      const heading = el("h4", { text: `Stage ${s.stage}: ${s.title}` });
      if (s.current) heading.appendChild(el("span", { cls: "badge", text: "You start here" }));
      const li = el("li", { cls: "stage" + (s.current ? " current" : "") }, [
        heading,
        s.subtitle ? el("p", { text: s.subtitle }) : null,
        list(s.steps || []),
        s.next ? el("p", { cls: "next", text: "Next: " + s.next }) : null,
      ]);
      if (s.current) li.setAttribute("aria-current", "step");
      stages.appendChild(li);
    }
    card.appendChild(section("Roadmap", picture(pictureOf(reply, "roadmap")), stages));
    if (r.notes && r.notes.length) card.appendChild(section("Notes", list(r.notes)));
    if (r.why_not && r.why_not.length) card.appendChild(section("Why not the others", list(r.why_not)));
    if (r.what_would_change && r.what_would_change.length) {
      card.appendChild(section("What would change it",
        list(r.what_would_change.map((x) => x.text))));
    }
    if (r.not_asked && r.not_asked.length) {
      card.appendChild(section("Not asked", list(r.not_asked.map((x) => x.text))));
    } else if (r.unknown && r.unknown.length) {
      card.appendChild(el("p", { cls: "hint", text: "Not answered: " + r.unknown.join(", ") }));
    }
    card.appendChild(el("p", { cls: "hint",
      text: "Ask a follow-up below, e.g. what about QLoRA? or how much will it cost?" }));
    const costs = sectionTitled(card, "Costs");
    if (costs) costs.appendChild(picture(pictureOf(reply, "cost")));
    if (reply.export) {
      card.appendChild(el("p", { cls: "export" }, [el("a", { cls: "button", text: reply.export.label,
        attrs: { href: reply.export.url, download: reply.export.filename } })]));
    }
    card.dataset.approach = APPROACHES[r.approach] ? r.approach : "";
    return card;
  }

  function renderTable(table) {
    const head = el("tr", null, table.columns.map((c) => el("th", { text: c, attrs: { scope: "col" } })));
    const rows = table.rows.map((row) => el("tr", null, row.map((cell) => el("td", { text: cell }))));
    return el("table", null, [el("thead", null, [head]), el("tbody", null, rows)]);
  }

  function renderAnswer(a) {
    const box = el("div", { cls: "msg answer" }, paragraphs(a.text));
    box.dataset.topic = a.topic;
    if (a.table) box.appendChild(renderTable(a.table));
    if (a.choices && a.choices.length) {
      box.appendChild(choiceButtons(a.choices, (c) => ({ command: "topic", value: c.value,
        event_id: eventId() }), "Follow-up topics"));
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
    if (echo) show(el("div", { cls: "msg you" }, [el("span", { cls: "visually-hidden", text: "You: " }),
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
      replies = [{ kind: "error", text: "I could not reach the advisor. Please try again." }];
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
