// The in-page half of browsertest's CheckVisible and CheckLayout. Each
// check answers {problem: "..."} saying what a person would see wrong, or
// {x, y}: the point Click clicks. Boxes are compared with half a pixel of
// slack for sub-pixel rounding.
window.__layout = window.__layout || (() => {
  const slack = 0.5;
  const px = (n) => Math.round(n);
  const fmt = (r) => `(${px(r.left)},${px(r.top)} ${px(r.right - r.left)}×${px(r.bottom - r.top)})`;
  const name = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    for (const c of e.classList) s += '.' + c;
    return s;
  };
  const inside = (a, b) => a.left >= b.left - slack && a.top >= b.top - slack &&
    a.right <= b.right + slack && a.bottom <= b.bottom + slack;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > slack &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > slack;
  const rendered = (e) => e.getClientRects().length > 0;
  const clips = (e) => {
    const s = getComputedStyle(e);
    return s.overflowX !== 'visible' || s.overflowY !== 'visible';
  };
  // shown is the part of e its content is painted in: inside its borders,
  // without scroll bars.
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    const left = r.left + e.clientLeft, top = r.top + e.clientTop;
    return { left, top, right: left + e.clientWidth, bottom: top + e.clientHeight };
  };
  const control = (e) => ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'IMG', 'svg'].includes(e.tagName);

  function visible(sel, container) {
    const e = document.querySelector(sel);
    if (!e) return { problem: 'no element matches' };
    if (!rendered(e)) return { problem: `${name(e)} is not rendered` };
    const style = getComputedStyle(e);
    if (style.visibility !== 'visible' || Number(style.opacity) < 0.1) {
      return { problem: `${name(e)} is invisible (visibility ${style.visibility}, opacity ${style.opacity})` };
    }
    e.scrollIntoView({ block: 'center', inline: 'center' });
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return { problem: `${name(e)} has no size ${fmt(r)}` };
    const doc = document.documentElement;
    const view = { left: 0, top: 0, right: doc.clientWidth, bottom: doc.clientHeight };
    if (!inside(r, view)) return { problem: `${name(e)} ${fmt(r)} is not inside the viewport ${fmt(view)}` };
    for (let a = e.parentElement; a && a !== document.body && a !== doc; a = a.parentElement) {
      if (clips(a) && !inside(r, shown(a))) return { problem: `${name(e)} ${fmt(r)} is clipped by ${name(a)} ${fmt(shown(a))}` };
    }
    const box = e.parentElement && container ? e.parentElement.closest(container) : null;
    if (box && !inside(r, box.getBoundingClientRect())) {
      return { problem: `${name(e)} ${fmt(r)} sticks out of ${name(box)} ${fmt(box.getBoundingClientRect())}` };
    }
    // The largest of its boxes (a link can wrap over two lines): its
    // centre and four points just inside its corners must hit it.
    const b = Array.from(e.getClientRects()).reduce((x, y) => (y.width * y.height > x.width * x.height ? y : x));
    const d = Math.min(4, b.width / 4, b.height / 4);
    const cx = b.left + b.width / 2, cy = b.top + b.height / 2;
    const points = [[cx, cy], [b.left + d, b.top + d], [b.right - d, b.top + d], [b.left + d, b.bottom - d], [b.right - d, b.bottom - d]];
    for (const [x, y] of points) {
      const hit = document.elementFromPoint(x, y);
      if (!hit || (hit !== e && !e.contains(hit))) {
        return { problem: `${name(e)} ${fmt(r)} is covered at (${px(x)},${px(y)}) by ${hit ? name(hit) : 'nothing'}` };
      }
    }
    return { x: cx, y: cy };
  }

  // spill is the first thing inside panel p that a person would see cut
  // off or spilling over its edge, or ''.
  function spill(p, e) {
    const pr = p.getBoundingClientRect();
    for (const c of e.children) {
      if (!rendered(c)) continue;
      const r = c.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && !inside(r, pr)) return `${name(c)} ${fmt(r)} sticks out of ${name(p)} ${fmt(pr)}`;
      if (!control(c) && c.clientWidth > 0 && c.scrollWidth > c.clientWidth + 1) {
        return `the content of ${name(c)} is ${c.scrollWidth}px wide in ${c.clientWidth}px` + (clips(c) ? ' (cut off)' : '');
      }
      if (!clips(c) && !control(c)) {
        const s = spill(p, c);
        if (s) return s;
      }
    }
    return '';
  }

  function panels(sel) {
    const all = Array.from(document.querySelectorAll(sel)).filter(rendered);
    if (all.length === 0) return { problem: `nothing rendered matches ${sel}` };
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      return { problem: `the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px viewport: it scrolls sideways` };
    }
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i], b = all[j];
        if (a.contains(b) || b.contains(a)) continue;
        const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
        if (overlap(ra, rb)) return { problem: `${name(a)} ${fmt(ra)} overlaps ${name(b)} ${fmt(rb)}` };
      }
    }
    for (const p of all) {
      if (p.clientWidth > 0 && p.scrollWidth > p.clientWidth + 1) {
        return { problem: `the content of ${name(p)} is ${p.scrollWidth}px wide in ${p.clientWidth}px` };
      }
      const s = spill(p, p);
      if (s) return { problem: s };
    }
    return {};
  }

  return { visible, panels };
})();
