"""匹配理由 in plain Chinese, built at display time from a stored match row and the two texts.

What an official reads: how strongly the pair is related (a word, not a number), what the supply
offers that the demand asks for (words both texts use, the two types), and what does not fit
(type, budget, 产业链, deadline) — never standard deviations, raw score parts or synonym markers.
The raw 得分构成 stay in the API and the admin. Reads `components`/`explanation` defensively so a
new key from the engine changes nothing here.
"""

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from matching import engine, lexical

# Score bands (0–100 display score) and the word an official reads for each.
BANDS = [(85, "高度相关"), (70, "较相关"), (50, "可能相关"), (0, "相关性较弱")]
MAX_TERMS = 5
# How far above unrelated pairs the meaning of the two texts must be (engine's dense z-score) before
# the page says "the two descriptions say much the same" — it is never shown as a number.
CLOSE_MEANING_Z = 2.0


def strength(score):
    """高度相关 / 较相关 / 可能相关 / 相关性较弱 for a 0–100 score."""
    score = float(score or 0)
    return next(word for floor, word in BANDS if score >= floor)


def band_range(word):
    """(lowest, highest) score of a band word, for filters; None for an unknown word."""
    for i, (floor, name) in enumerate(BANDS):
        if name == word:
            return floor, (BANDS[i - 1][0] if i else None)
    return None


def money(wan):
    """An amount for people: whole 万元, or 元 below one 万元 (no decimals on the page)."""
    wan = float(wan)
    if wan >= 1:
        return f"{round(wan):,} 万元".replace(",", "")
    return f"{round(wan * 10000)} 元"


def _root_name(chain):
    if chain is None:
        return ""
    return chain.parent.name if chain.parent_id else chain.name


@dataclass
class Reasons:
    strength: str
    terms: list = field(default_factory=list)  # words both texts use
    similar_words: list = field(default_factory=list)  # (demand's word, supply's word) meaning the same
    fits: list = field(default_factory=list)  # plain sentences: why it fits
    misfits: list = field(default_factory=list)  # plain sentences: what does not fit
    feedback: str = ""

    def terms_html(self):
        return format_html_join("、", "<mark>{}</mark>", ((t,) for t in self.terms))

    def fit_lines_html(self):
        """The fit sentences, with the shared words highlighted."""
        lines = []
        if self.terms:
            lines.append(format_html("双方都提到：{}", self.terms_html()))
        if self.similar_words:
            lines.append(
                format_html(
                    "说法不同、意思相近：{}",
                    format_html_join("、", "需求说「<mark>{}</mark>」，供给说「<mark>{}</mark>」", self.similar_words),
                )
            )
        lines += [format_html("{}", f) for f in self.fits]
        return lines

    def line(self):
        """One line (queue rows, notifications, CSV): strength, the main fit, the main misfit."""
        bits = [self.strength]
        if self.terms:
            bits.append("双方都提到" + "、".join(self.terms[:3]))
        if self.fits:
            bits.append(self.fits[0])
        bits += self.misfits[:2]
        return "；".join(bits)

    def line_html(self):
        """line() for a page next to a strength badge: the main fit, the shared words highlighted,
        the main misfits in red (the strength word is the badge's)."""
        parts = []
        if self.terms:
            marked = format_html_join("、", "<mark>{}</mark>", ((t,) for t in self.terms[:3]))
            parts.append(format_html("双方都提到{}", marked))
        if self.fits:
            parts.append(format_html("{}", self.fits[0]))
        parts += [format_html('<span class="text-danger">{}</span>', m) for m in self.misfits[:2]]
        return mark_safe("；".join(str(p) for p in parts))  # each part is escaped by format_html

    def as_dict(self):
        return {
            "strength": self.strength,
            "shared_terms": list(self.terms),
            "similar_words": [list(p) for p in self.similar_words],
            "fits": list(self.fits),
            "misfits": list(self.misfits),
            "feedback": self.feedback,
            "summary": self.line(),
        }


def _shared_terms(explanation, demand_text, supply_text):
    """Words of the stored explanation that really occur in both texts, plus synonym pairs."""
    d_low, s_low = demand_text.lower(), supply_text.lower()
    terms, pairs = [], []
    for raw in explanation.get("terms") or []:
        term = str(raw)
        if term.startswith(lexical.SYN_PREFIX):
            pair = _synonym_pair(term[len(lexical.SYN_PREFIX) :], d_low, s_low)
            if pair is None:
                continue
            if pair[0] == pair[1]:
                term = pair[0]
            else:
                if pair not in pairs:
                    pairs.append(pair)
                continue
        if term.lower() in d_low and term.lower() in s_low and term not in terms:
            terms.append(term)
    if not terms and not pairs:
        # Rows stored without terms (or by another engine version): look for them in the texts.
        shared = set(lexical.tokenize(demand_text)) & set(lexical.tokenize(supply_text))
        terms = sorted(lexical.display_terms(shared), key=lambda t: (-len(t), t))
    return terms[:MAX_TERMS], pairs[:2]


def _synonym_pair(canonical, d_low, s_low):
    words = [w for w, c in lexical.synonym_map().items() if c == canonical]
    both = [w for w in sorted(words, key=len, reverse=True) if w in d_low and w in s_low]
    if both:
        return (both[0], both[0])
    d_word = next((w for w in sorted(words, key=len, reverse=True) if w in d_low), None)
    s_word = next((w for w in sorted(words, key=len, reverse=True) if w in s_low), None)
    if d_word is None or s_word is None:
        return None
    return (d_word, s_word)


def _type_level(demand_type, supply_type, stored):
    fit = stored
    if fit is None:
        fit = engine.TYPE_FIT.get(demand_type, {}).get(supply_type, 0.3)
    fit = float(fit)
    return "对口" if fit >= 0.9 else "基本对口" if fit >= 0.6 else "部分对口" if fit >= 0.3 else "不对口"


def build(demand, supply, *, score, components=None, explanation=None, viewer="staff"):
    """Plain reasons for one pair. `viewer`: demand (您的需求), supply (您的供给) or staff (neutral)."""
    components = components or {}
    explanation = explanation or {}
    demand_text = f"{demand.title}。{demand.description or ''}"
    supply_text = f"{supply.title}。{supply.description or ''}"
    out = Reasons(strength=strength(score))
    out.terms, out.similar_words = _shared_terms(explanation, demand_text, supply_text)

    d_type, s_type = demand.demand_type or "", supply.supply_type or ""
    level = _type_level(d_type, s_type, components.get("type_fit"))
    if viewer == "demand":
        offered, wanted = f"对方提供的是{s_type}", f"您的「{d_type}」需求"
    elif viewer == "supply":
        offered, wanted = f"您提供的是{s_type}", f"对方的「{d_type}」需求"
    else:
        offered, wanted = f"供给是{s_type}", f"「{d_type}」需求"
    if d_type and s_type:
        if level == "不对口":
            out.misfits.append(f"类型不对口：{offered}，而{wanted}通常需要别的类型")
        else:
            out.fits.append(f"{offered}，与{wanted}{level}")

    budget, price = demand.budget_wan, supply.price_wan
    if s_type == "资本":
        pass  # a capital supply's amount is what it can invest, not a price
    elif budget is not None and price is not None and float(budget) > 0:
        if float(price) <= float(budget):
            out.fits.append(f"参考价格 {money(price)}，在预算 {money(budget)}以内")
        else:
            over = float(price) - float(budget)
            out.misfits.append(f"超出预算：参考价格 {money(price)}，比预算 {money(budget)}高 {money(over)}")

    semantic = components.get("semantic")
    close_meaning = semantic is not None and float(semantic) >= CLOSE_MEANING_Z
    d_chain, s_chain = _root_name(demand.chain), _root_name(supply.chain)
    relation = components.get("chain")
    if relation is None:
        relation = 1.0 if d_chain and d_chain == s_chain else 0.0
    if d_chain and d_chain == s_chain:
        out.fits.append(f"同属{d_chain}产业链")
    elif float(relation) > 0 and s_chain:
        out.fits.append(f"需求描述涉及{s_chain}，与供给所在产业链相关")
    elif d_chain and s_chain:
        if out.terms:
            why = "仍推荐，因为双方用到相同的技术词：" + "、".join(out.terms[:3])
        elif out.similar_words:
            why = "仍推荐，因为双方说的是同一件事（用词不同）"
        elif close_meaning:
            why = "仍推荐，因为两段描述的内容相近"
        else:
            why = ""
        out.misfits.append(f"跨产业链：需求属{d_chain}，供给属{s_chain}" + (f"；{why}" if why else ""))

    if not out.terms and not out.similar_words and close_meaning:
        out.fits.append("两段描述的意思相近（用词不同）")
    if components.get("deadline_open") is False or explanation.get("deadline"):
        out.misfits.append("需求已过截止日期")
    if components.get("feedback"):
        out.feedback = "与需求方标记为「有价值」的供给相似，排序适当提前"
    return out


def for_match(match, viewer="staff"):
    """Reasons of a stored Match/AdjustedMatch row (demand and supply loaded)."""
    out = build(
        match.demand,
        match.supply,
        score=match.score,
        components=match.components,
        explanation=match.explanation,
        viewer=viewer,
    )
    if out.feedback and getattr(match, "feedback_verdict", None) in ("useful", "contacted"):
        out.feedback = "已标记为「有价值」，排序适当提前（最多提前几位，不会排到满分）"
    return out


def attach(matches, viewer="staff"):
    """Set `.reasons` on each row of a list (no queries when the rows have demand/supply loaded)."""
    for match in matches:
        match.reasons = for_match(match, viewer)
    return matches
