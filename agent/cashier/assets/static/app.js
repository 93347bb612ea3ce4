// The cashier page's script. It renders what the agent answers and does no
// arithmetic on money: every amount arrives as {fen, text} with text already
// written as ¥yuan.fen by the agent, and prices are sent as typed.
'use strict';
(function () {
  const I18N = JSON.parse(document.getElementById('i18n').textContent);
  const LANG = document.body.dataset.lang === 'en' ? 'en' : 'zh';
  const t = (k) => I18N[k] || k;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // el builds an element; children are nodes or text (never HTML).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else if (k in e) e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // What survives a reload (the language switch): the cart, the last quote
  // and the last receipt, for this tab only.
  const saved = {
    get(k) { try { return JSON.parse(sessionStorage.getItem('cashier.' + k)); } catch (e) { return null; } },
    set(k, v) { sessionStorage.setItem('cashier.' + k, JSON.stringify(v)); },
    del(k) { sessionStorage.removeItem('cashier.' + k); },
  };

  const msg = (o) => (LANG === 'en' ? o.message : (o.message_zh || o.message)) || '';
  const label = (o) => (LANG === 'en' ? o.label : (o.label_zh || o.label)) || '';
  // clock shows the agent's local time as it wrote it (RFC 3339).
  const clock = (s) => (s ? String(s).slice(11, 19) : '');
  const stamp = (s) => (s ? String(s).slice(0, 10) + ' ' + clock(s) : '');

  async function api(method, path, body) {
    const opts = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
    if (method === 'POST') {
      opts.headers['X-Cashier'] = '1';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw { code: 'NETWORK', message: t('network_error'), message_zh: t('network_error') };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      if (data && data.code) { data.status = res.status; throw data; }
      throw { code: 'HTTP_' + res.status, message: t('internal'), message_zh: t('internal') };
    }
    return data;
  }

  // ---- errors ----
  function showError(e) {
    const box = $('#error');
    box.replaceChildren(el('span', { class: 'msg' }, msg(e)), ' ', el('code', {}, e.code));
    box.dataset.code = e.code;
    box.hidden = false;
  }
  function clearError() {
    const box = $('#error');
    box.hidden = true;
    box.replaceChildren();
    delete box.dataset.code;
  }

  function reasonItem(r) {
    return el('li', { class: 'reason sev-' + r.severity, 'data-code': r.code },
      el('span', { class: 'sev' }, t('severity_' + r.severity)), ' ',
      el('span', { class: 'text' }, msg(r)), ' ',
      el('code', {}, r.code));
  }

  // ---- status ----
  async function refreshStatus() {
    try {
      const st = await api('GET', '/cashier/api/status');
      const c = $('#st-centre');
      c.textContent = st.centre_connected ? t('centre_online') : t('centre_offline');
      c.className = st.centre_connected ? 'ok' : 'warn';
      $('#st-rules').textContent = st.rules_version > 0 ? 'v' + st.rules_version : t('rules_none');
      const r = $('#st-reader');
      r.textContent = st.reader_state === 'open' ? t('reader_open') : t('reader_down');
      r.className = st.reader_state === 'open' ? 'ok' : 'warn';
      $('#st-backlog').textContent = String(st.unsynced);
      const adv = $('#centre-advice');
      if (st.advice) {
        adv.replaceChildren(el('span', { class: 'msg' }, msg(st.advice)), ' ', el('code', {}, st.advice.code));
        adv.dataset.code = st.advice.code;
        adv.hidden = false;
      } else {
        adv.hidden = true;
        adv.replaceChildren();
        delete adv.dataset.code;
      }
    } catch (e) {
      if (e.code === 'NOT_LOGGED_IN') showError(e);
    }
  }

  // ---- the card in the reader ----
  function renderCard(c) {
    const has = !!(c && c.card_no);
    $('#card').hidden = !has;
    $('#no-card').hidden = has;
    if (!has) return;
    $('#card-name').textContent = c.name || '—';
    $('#card-no').textContent = c.card_no;
    $('#card-sex').textContent = c.sex ? t('sex_' + c.sex) : '—';
    $('#card-birth').textContent = c.birth || '—';
    $('#card-expiry').textContent = c.expiry || '—';
    $('#card-source').textContent = t('source_' + c.source);
    $('#card-read-at').textContent = stamp(c.read_at);
    const problem = c.problem || '';
    $('#card-problem').textContent = problem;
    $$('#card .problem').forEach((n) => { n.hidden = !problem; });
  }
  async function refreshCard() {
    try {
      renderCard(await api('GET', '/cashier/api/card'));
    } catch (e) {
      if (e.code === 'NO_CARD') renderCard(null);
    }
  }
  function watchEvents() {
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    let ws;
    try { ws = new WebSocket(proto + location.host + '/cashier/api/events'); } catch (e) { return; }
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      // The agent's own view of the card (its clock, its session) is the
      // one quotes use: ask for it rather than show the raw event.
      if (ev.type === 'card') {
        refreshCard();
        // A card read after a refused e-voucher: the refusal is over.
        if (String($('#error').dataset.code || '').startsWith('VOUCHER_')) clearError();
      } else if (ev.type === 'card_removed') renderCard(null);
      else if (ev.type === 'reader' || ev.type === 'scanner') refreshStatus();
      // A scanned e-voucher the agent refused: its code and both texts.
      else if (ev.type === 'voucher') showError({ code: ev.code, message: ev.error, message_zh: ev.error_zh });
    };
    ws.onclose = () => setTimeout(watchEvents, 2000);
  }

  // ---- the cart ----
  let cart = saved.get('cart') || [];
  const blankLine = () => ({ barcode: '', code: '', name: '', hint: '', qty: '1', price: '', rx_id: '' });
  const saveCart = () => saved.set('cart', cart);

  function renderCart() {
    if (cart.length === 0) cart.push(blankLine());
    const body = $('#cart tbody');
    body.replaceChildren(...cart.map((line, i) => cartRow(line, i)));
  }
  function cartRow(line, i) {
    const input = (field, attrs) => {
      const inp = el('input', Object.assign({ class: 'f-' + field, value: line[field], autocomplete: 'off' }, attrs));
      inp.addEventListener('input', () => { line[field] = inp.value; saveCart(); });
      return inp;
    };
    const barcode = input('barcode', { size: 14, inputMode: 'numeric' });
    const code = input('code', { size: 7 });
    const qty = input('qty', { size: 3, inputMode: 'numeric' });
    const price = input('price', { size: 7, inputMode: 'decimal', placeholder: '0.00' });
    const rx = input('rx_id', { size: 8 });
    const name = el('td', { class: 'f-name' + (line.hint ? ' ' + line.hint : '') }, line.name);
    const look = (by, value) => lookUp(line, by, value, name);
    barcode.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') { ev.preventDefault(); look('barcode', barcode.value).then(() => { code.value = line.code; qty.focus(); qty.select(); }); }
    });
    barcode.addEventListener('change', () => look('barcode', barcode.value).then(() => { code.value = line.code; }));
    code.addEventListener('change', () => look('code', code.value));
    const remove = el('button', { type: 'button', class: 'link remove' }, t('remove'));
    remove.addEventListener('click', () => { cart.splice(i, 1); saveCart(); renderCart(); });
    return el('tr', { class: 'line' },
      el('td', {}, barcode), el('td', {}, code), name, el('td', {}, qty),
      el('td', {}, price), el('td', {}, rx), el('td', {}, remove));
  }
  // lookUp fills a line from the catalogue by barcode or code.
  async function lookUp(line, by, value, nameCell) {
    value = value.trim();
    if (!value || line['looked_' + by] === value) return;
    line['looked_' + by] = value;
    try {
      const it = await api('GET', '/cashier/api/item?' + by + '=' + encodeURIComponent(value));
      line.code = it.code;
      line.name = it.name;
      line.hint = it.forbidden ? 'forbidden' : (it.class === 'C' ? 'self-pay' : '');
      if (by === 'barcode') line.barcode = value;
    } catch (e) {
      line.name = e.code === 'ITEM_UNKNOWN' ? t('item_unknown') : msg(e);
      line.hint = 'unknown';
      if (by === 'code') line.code = value;
    }
    nameCell.textContent = line.name;
    nameCell.className = 'f-name' + (line.hint ? ' ' + line.hint : '');
    saveCart();
  }

  // ---- quote ----
  const cashierInput = () => $('#cashier');
  function cashierID() {
    const v = cashierInput().value.trim();
    localStorage.setItem('cashier.id', v);
    return v;
  }
  function busy(button, on) {
    button.disabled = on;
    button.classList.toggle('busy', on);
  }
  async function quote() {
    clearError();
    const cashier = cashierID();
    if (!cashier) { showError({ code: 'CASHIER_REQUIRED', message: t('need_cashier'), message_zh: t('need_cashier') }); cashierInput().focus(); return; }
    const lines = cart.filter((l) => l.code.trim() || l.barcode.trim())
      .map((l) => ({ code: l.code, barcode: l.barcode, qty: l.qty, price: l.price, rx_id: l.rx_id }));
    if (lines.length === 0) { showError({ code: 'BAD_REQUEST', message: t('need_lines'), message_zh: t('need_lines') }); return; }
    const b = $('#quote-btn');
    busy(b, true);
    try {
      const q = await api('POST', '/cashier/api/quote', { cashier, lines });
      saved.set('quote', q);
      saved.del('receipt');
      renderQuote(q, false);
      renderReceipt(null);
    } catch (e) {
      showError(e);
    } finally {
      busy(b, false);
    }
  }
  function renderQuote(q, charged) {
    const box = $('#decision');
    box.hidden = !q;
    if (!q) return;
    $('#q-offline').hidden = !q.offline;
    $('#q-lines tbody').replaceChildren(...q.lines.map((l, i) => el('tr', { class: 'q-line', 'data-code': l.code, 'data-line': i + 1 },
      el('td', {}, el('div', { class: 'item-name' }, l.name || l.code), el('small', {}, l.code)),
      el('td', { class: 'num' }, l.qty),
      el('td', { class: 'num' }, l.amount.text),
      el('td', { class: 'num q-account' }, l.account.text),
      el('td', { class: 'num q-cash' }, l.cash.text),
      el('td', {}, el('ul', { class: 'reasons' }, ...l.reasons.map(reasonItem))))));
    const txn = $('#q-txn-reasons');
    txn.hidden = q.reasons.length === 0;
    $('ul', txn).replaceChildren(...q.reasons.map(reasonItem));
    $('#q-total').textContent = q.total.text;
    $('#q-account').textContent = q.account_total.text;
    $('#q-cash').textContent = q.cash_total.text;
    $('#q-balance').textContent = q.balance.text;
    $('#q-expires').textContent = clock(q.expires_at);
    const confirms = $('#confirms');
    confirms.hidden = q.required.length === 0 || charged;
    $('.boxes', confirms).replaceChildren(...q.required.map((c) => el('label', { class: 'confirm', 'data-code': c.code },
      el('input', { type: 'checkbox', id: 'confirm-' + c.code, value: c.code }), ' ', label(c))));
    $('#charge-btn').hidden = charged;
  }

  // ---- charge and receipt ----
  async function charge() {
    clearError();
    const q = saved.get('quote');
    if (!q) return;
    const confirm = $$('#confirms input[type=checkbox]').filter((c) => c.checked).map((c) => c.value);
    const b = $('#charge-btn');
    busy(b, true);
    try {
      const r = await api('POST', '/cashier/api/charge', { quote_id: q.quote_id, confirm });
      r.lines = q.lines;
      saved.set('receipt', r);
      renderQuote(q, true);
      renderReceipt(r);
      refreshTxns();
    } catch (e) {
      showError(e);
      const missing = (e.detail && e.detail.required) || [];
      $$('#confirms label.confirm').forEach((l) => l.classList.toggle('missing', missing.includes(l.dataset.code)));
    } finally {
      busy(b, false);
    }
  }
  function renderReceipt(r) {
    const box = $('#receipt');
    box.hidden = !r;
    if (!r) return;
    $('#r-txn').textContent = r.txn_id;
    $('#r-seq').textContent = String(r.seq);
    $('#r-at').textContent = stamp(r.at);
    $('#r-card').textContent = r.card_no;
    $('#r-lines tbody').replaceChildren(...(r.lines || []).map((l) => el('tr', {},
      el('td', {}, l.name || l.code), el('td', { class: 'num' }, l.qty), el('td', { class: 'num' }, l.amount.text),
      el('td', { class: 'num' }, l.account.text), el('td', { class: 'num' }, l.cash.text))));
    $('#r-account').textContent = r.account_paid.text;
    $('#r-cash').textContent = r.cash_due.text;
    $('#r-balance').textContent = r.balance_after.text;
    const s = $('#r-settled');
    s.textContent = t('settled_' + r.settled);
    s.dataset.settled = r.settled;
    const p = $('#r-proof');
    p.textContent = t('proof_' + (r.proof || ''));
    p.dataset.proof = r.proof || '';
    $('#r-reasons').replaceChildren(...r.reasons.map(reasonItem));
  }

  // ---- today's charges and voids ----
  async function refreshTxns() {
    let list;
    try {
      list = (await api('GET', '/cashier/api/transactions')).transactions;
    } catch (e) {
      if (e.code !== 'NOT_LOGGED_IN') showError(e);
      return;
    }
    markReceiptVoided(list);
    $('#no-txns').hidden = list.length > 0;
    $('#txns').hidden = list.length === 0;
    $('#txns tbody').replaceChildren(...list.flatMap(txnRows));
  }
  // markReceiptVoided shows on the receipt that its charge was voided.
  function markReceiptVoided(list) {
    const r = saved.get('receipt');
    const voided = !!(r && list.some((x) => x.txn_id === r.txn_id && x.voided_by));
    $('#r-voided').hidden = !voided;
    $('#receipt').classList.toggle('is-voided', voided);
  }
  function txnRows(x) {
    const row = el('tr', { class: 'txn', 'data-txn': x.txn_id },
      el('td', {}, clock(x.at)), el('td', { class: 'txn-id', title: x.txn_id }, '…' + x.txn_id.slice(-8)),
      el('td', { class: 'num' }, x.account.text), el('td', { class: 'num' }, x.cash.text));
    if (x.voided_by) {
      row.classList.add('voided');
      row.append(el('td', {}, el('span', { class: 'badge voided-badge' }, t('voided'))));
      return [row];
    }
    const form = el('tr', { class: 'void-form', hidden: true });
    const reason = el('input', { class: 'void-reason', placeholder: t('void_reason'), maxLength: 200 });
    const ok = el('button', { type: 'button', class: 'danger void-confirm' }, t('void_confirm'));
    form.append(el('td', { colSpan: 5 }, reason, ' ', ok));
    const open = el('button', { type: 'button', class: 'void-btn' }, t('void'));
    open.addEventListener('click', () => { form.hidden = !form.hidden; if (!form.hidden) reason.focus(); });
    ok.addEventListener('click', () => voidTxn(x.txn_id, reason.value, ok));
    row.append(el('td', {}, open));
    return [row, form];
  }
  async function voidTxn(txnID, reason, button) {
    clearError();
    const cashier = cashierID();
    if (!cashier) { showError({ code: 'CASHIER_REQUIRED', message: t('need_cashier'), message_zh: t('need_cashier') }); return; }
    if (!reason.trim()) { showError({ code: 'BAD_REQUEST', message: t('need_reason'), message_zh: t('need_reason') }); return; }
    busy(button, true);
    try {
      await api('POST', '/cashier/api/void', { txn_id: txnID, reason, cashier });
      refreshTxns();
    } catch (e) {
      showError(e);
      busy(button, false);
    }
  }

  function newSale() {
    clearError();
    cart = [];
    saveCart();
    saved.del('quote');
    saved.del('receipt');
    renderCart();
    renderQuote(null);
    renderReceipt(null);
    const first = $('#cart .f-barcode');
    if (first) first.focus();
  }

  async function logout() {
    try { await api('POST', '/cashier/logout'); } catch (e) { /* gone anyway */ }
    location.replace('/cashier/');
  }

  function start() {
    cashierInput().value = localStorage.getItem('cashier.id') || '';
    cashierInput().addEventListener('change', cashierID);
    $('#add-line').addEventListener('click', () => {
      cart.push(blankLine()); saveCart(); renderCart();
      const rows = $$('#cart .f-barcode');
      rows[rows.length - 1].focus();
    });
    $('#new-sale').addEventListener('click', newSale);
    $('#quote-btn').addEventListener('click', quote);
    $('#charge-btn').addEventListener('click', charge);
    $('#print-btn').addEventListener('click', () => window.print());
    $('#refresh-txns').addEventListener('click', refreshTxns);
    $('#logout').addEventListener('click', logout);
    renderCart();
    const r = saved.get('receipt');
    renderQuote(saved.get('quote'), !!r);
    renderReceipt(r);
    refreshStatus();
    refreshCard();
    refreshTxns();
    watchEvents();
    setInterval(refreshStatus, 5000);
    setInterval(refreshCard, 5000);
    document.body.dataset.ready = '1';
  }
  start();
})();
