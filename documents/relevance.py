"""How well passages answer a question, on one scale for every bot and model, and whether
they answer it at all.

Today's retrieval score alone could not tell: questions the documents do not hold scored
0.22-0.67, overlapping the right answers. Three signals that mean the same on every bot:

- **informative coverage**: the share of the question's information a passage holds. Each
  question term is weighted by how rare it is among the bot's own passages: a word in every
  passage tells nothing, a word in none (a city the bot never mentions) tells the most.
- **vector similarity, calibrated per embedding model**: the built-in hashing vectors and a
  semantic model put unrelated text at different cosines, so each model's cosine is mapped
  onto 0-1 between its "unrelated" and its "same meaning" levels.
- **agreement**: the passage was found both by its words and by its meaning.

A passage's relevance (0-1) mixes them; it is the one figure every screen shows. A question
is answerable when the best passage reaches the bot's certainty level and no informative
term of the question is missing from every passage retrieved.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace

from kaiu.ai.embeddings import BuiltinEmbedder, fold

# Cosines (unrelated, same meaning) per embedding model; measured on benchmarks/quality.py.
CALIBRATION = {
    BuiltinEmbedder.model_name: (0.05, 0.55),
    "text-embedding-3-small": (0.15, 0.60),
    "text-embedding-3-large": (0.10, 0.55),
    "text-embedding-ada-002": (0.70, 0.90),
}
DEFAULT_CALIBRATION = (0.15, 0.60)

# How sure the bot must be before it answers: the best passage's relevance.
CERTAINTY = {"strict": 0.55, "balanced": 0.42, "lenient": 0.30}
DEFAULT_CERTAINTY = "balanced"

COVERAGE_WEIGHT, VECTOR_WEIGHT, AGREEMENT_BONUS = 0.7, 0.3, 0.05
MISSING_TERM_WEIGHT = 0.75  # a term this rare in the bot, found in no passage, is information the bot lacks
MISSING_SHARE = 0.6  # ... and when such terms are this much of the question, it is not answerable
SUBJECT_SHARE = 0.15  # of the question's other information, held by a passage stating the attribute
UNKNOWN_WEIGHT = 0.95  # a term this rare is one the bot's passages (nearly) never say
UNKNOWN_RAISE = 0.2  # the certainty needed rises by this much times their share of the question
JUDGED_HITS = 3  # the best passages whose terms together count as what the bot found
NAME_MISSING_WEIGHT = 0.6  # a name this rare in the bot, in none of the best passages: the bot does not know it


# Words a customer uses for the same thing (as the search index stems them, English and
# Spanish): "How much does it cost?" asks for the price a passage gives. Each group counts as
# one term, so a passage holding any of its words holds it.
SYNONYMS = [
    {"price", "cost", "fee", "charg", "preci", "precio", "cuest", "cuesta", "val", "valor", "tarif"},
    {"ship", "deliv", "deliveri", "send", "sent", "envi", "despach", "entreg", "mand"},
    {"return", "refund", "devolu", "devolv", "reembols", "reintegr"},
    {"pay", "payment", "pag", "pago", "abon"},
    {"stock", "avail", "inventori", "disponibl", "exist", "agot"},
    {"horari", "opening hours"},  # "open" alone is too common a word ("open a file")
    {"phone", "telephon", "telefon", "celular", "whatsapp", "email", "e-mail", "correo"},
    {"address", "direccion", "postal", "locat", "ubic", "ubicacion"},
    {"time", "durat", "tard", "demor", "tiemp", "dur", "day", "dia", "dias", "week", "seman", "hour", "hor"},
    {"warranti", "guarante", "garant", "garantia"},
    {"weigh", "weight", "pes", "pesa", "peso", "gram", "gramo", "kilo", "kg"},
    {"color", "colour", "colore"},
    {"size", "dimens", "tamano", "tamaño", "medid", "larg", "anch", "width", "height", "length"},
]
CONCEPT = {lexeme: min(group) for group in SYNONYMS for lexeme in group}
# What a question asks about a thing rather than the thing itself: when none of the words for
# it is in the passages, they do not say it, however well they know the thing ("How much does
# the ExpEYES-17 kit cost?" of a manual that names the kit on every page and no price).
ATTRIBUTES = {CONCEPT[word] for word in ("price", "warranti", "weight", "color", "size", "horari", "phone", "address")}

# Words that stand for an attribute in a passage but do not ask for it in a question:
# "¿Hasta qué valor de condensador mide?" asks for a value, not a price.
VAGUE = {"val", "valor"}


def concept(lexeme: str) -> str:
    return CONCEPT.get(lexeme, lexeme)


@dataclass(frozen=True)
class Term:
    lexeme: str  # as the search index has it (stemmed, accents folded)
    word: str  # as the question wrote it
    weight: float  # 0 (in every passage of the bot) to 1 (in none)
    entity: bool = False  # a name or a code (Medellín, SKU-88, 1042): no other word can stand for it
    version_of: str = ""  # the lexeme of the name this number goes with ("11" of "Windows 11")


@dataclass(frozen=True)
class Judgement:
    answerable: bool
    confidence: float  # the best passage's relevance
    reason: str = ""  # why not, for the tenant: 'not found: "Medellín"', 'weak match (31 %)'
    missing: tuple[str, ...] = ()


# The words that make a sentence a question or a request, not what it is about. The search
# index keeps some of them (its stop lists are for prose): here they would count as
# information the passages lack.
QUESTION_WORDS = frozenset("""
    what which who whom whose when where why how much many long often does do did can could would should will
    is are was were be there any some please tell know need want get give you your yours i me my we our us
    have has had it its this that these those about
    que cual cuales quien quienes cuando donde adonde como cuanto cuanta cuantos cuantas cuan por para
    puedo puede pueden podria podrian podemos hay tienen tiene tienes tengo hacen hace hago saber sabe quiero
    quisiera necesito me mi mis usted ustedes favor dime decir digan es son esta estan ser algo alguna alguno
    the a an of to in on at for from with and or by as el la los las lo un una unos unas de del al en con y o u
    come comes came coming go goes going went make makes made use used using work works find found look see
    viene vienen venir va van ir usar uso usa funciona funcionan hacer hago hacen encontrar ver
    trae traen traer se sabes
    really anything something everything every any other others else just also still even ever way ways thing
    things m s t d ll ve re
    algun alguna alguno algunos algunas tener ademas dentro cosa cosas forma manera modo nada todo todos todas
    cada otro otra otros otras mismo misma
    good recommend recommended suggest bueno buena buenos buenas recomienda recomiendan recomiendas recomendar
    recomiendo sugieres sirve sirven servir
    """.split())  # the function words of both languages, which a question in the other one keeps, and
# the verbs that carry a question rather than its subject ("Which tea comes from Kenya?"), and
# words that say how much or which rather than what ("algún", "anything", "de forma correcta"), and
# words that ask what a thing is good for ("Which tea is good for breakfast?", "¿Para qué
# sirve…?"): a passage answers with what it is for, rarely with "good". "Best" stays: "What is
# the best tea?" asks for a ranking that documents seldom give


def certainty_for(bot) -> str:
    """The bot's "how sure must the bot be" (its Retrieval page)."""
    return (bot.rag_config or {}).get("certainty") or DEFAULT_CERTAINTY


def question_terms(question: str, lexemes, profile) -> list[Term]:
    """The question's search terms with their information weight in this bot."""
    words = re.findall(r"\w+", question)
    names = names_in(question)
    terms = []
    for lexeme in dict.fromkeys(lexemes):
        word = _word_for(lexeme, words)
        if fold(word) not in QUESTION_WORDS:
            entity = word in names or (any(ch.isdigit() for ch in word) and len(word) >= 3)
            terms.append(Term(lexeme, word, term_weight(profile, lexeme), entity))
    order = {word: position for position, word in reversed(list(enumerate(words)))}
    terms.sort(key=lambda term: order.get(term.word, len(words)))  # as the question says them
    lexeme_of = {term.word: term.lexeme for term in terms}
    for number, name in versions_in(question).items():
        if number in lexeme_of and name in lexeme_of:
            terms = [replace(term, version_of=lexeme_of[name]) if term.word == number else term for term in terms]
    return terms


def versions_in(question: str) -> dict[str, str]:
    """{number: the name it follows}: "Windows 11" names a version, not any 11."""
    words = re.findall(r"\w+", question)
    names = names_in(question)
    return {word: previous for previous, word in itertools.pairwise(words)
            if word.isdigit() and previous in names and not previous.isdigit()}


def names_in(question: str) -> set[str]:
    """Words written as names: capitalised but not opening a sentence, in capitals, with a
    capital inside (iPad, PayPal), and a number that goes with a name (Windows 11, Debian 14:
    a model or a version the passages must name, not any 11)."""
    names = set()
    # What a follow-up carries comes in brackets after the question: not a new sentence.
    for sentence in re.split(r"[.!?¿¡]+(?!\s*\()", question):
        previous = ""
        for position, word in enumerate(re.findall(r"\w+", sentence)):
            if ((word[:1].isupper() and position > 0) or (len(word) > 1 and word.isupper())
                    or any(ch.isupper() for ch in word[1:])
                    or (word.isdigit() and previous in names)):
                names.add(word)
            previous = word
    return names


def term_weight(profile, lexeme: str) -> float:
    """Inverse passage frequency in the bot's sampled passages, scaled to 0-1."""
    sample = max(profile.sample, 1)
    held = profile.term_passages.get(lexeme, 0)
    return math.log((sample + 1) / (held + 0.5)) / math.log((sample + 1) / 0.5)


def calibrated(similarity: float | None, model_name: str) -> float | None:
    if similarity is None:
        return None
    low, high = CALIBRATION.get(model_name, DEFAULT_CALIBRATION)
    return min(1.0, max(0.0, (similarity - low) / (high - low)))


def coverage(terms: list[Term], lexemes) -> float:
    total = sum(term.weight for term in terms)
    if total <= 0:
        return 0.0
    return sum(term.weight for term in terms if holds(lexemes, term)) / total


def holds(lexemes, term: Term) -> bool:
    """Whether a passage with these search terms holds `term`, itself or a synonym."""
    if term.lexeme in lexemes:
        return True
    return term.lexeme in CONCEPT and any(concept(lexeme) == concept(term.lexeme) for lexeme in lexemes)


def names_unsaid(terms: list[Term], lexemes, text: str) -> frozenset[str]:
    """The lexemes of the question's names that a passage holds only as another word's stem:
    "Lima" is stemmed to "lim", which the SKU "AE-LIM-10" of a lemongrass oil holds too. A
    name is matched as a word (accents, case and a plural's ending aside), never by its stem."""
    names = [term for term in terms if term.entity and term.lexeme in lexemes]
    if not names:
        return frozenset()
    lowered = text.lower()
    # Most names are written as the question writes them: found so, the passage is not folded
    # (folding a passage takes ~0.1 ms, a search reads 16 of them).
    names = [term for term in names if not _written_alike(term.word.lower(), lowered)]
    if not names:
        return frozenset()
    words = set(re.findall(r"\w+", fold(text)))
    return frozenset(term.lexeme for term in names
                     if not all(any(_same_name(part, word) for word in words)
                                for part in re.findall(r"\w+", fold(term.word))))


def _written_alike(name: str, lowered: str) -> bool:
    """Each word of the name in the passage as it is written, or with a plural's ending."""
    return all(re.search(rf"(?<!\w){re.escape(part)}{_ENDING if len(part) >= 4 else ''}(?!\w)", lowered)
               for part in re.findall(r"\w+", name))


_ENDING = r"\w{0,2}"


def _same_name(name: str, word: str) -> bool:
    """The name itself, or with an ending a plural adds ("Aceites" / "aceite"): never a stem
    of three letters ("lim" of "AE-LIM-10" for "Lima")."""
    if name == word:
        return True
    shorter, longer = sorted((name, word), key=len)
    return len(shorter) >= 4 and len(longer) - len(shorter) <= 2 and longer.startswith(shorter)


def passage_relevance(terms: list[Term], lexemes, similarity: float | None, model_name: str, *,
                      found_by_words: bool) -> float:
    """0-1: how much of the question's information the passage holds, and how close it is in meaning."""
    held = coverage(terms, lexemes) if terms else None
    meaning = calibrated(similarity, model_name)
    if held is None:  # a question of stop words only: meaning is all there is
        return meaning or 0.0
    if meaning is None:  # keyword search alone
        return held
    relevance = COVERAGE_WEIGHT * held + VECTOR_WEIGHT * meaning
    if found_by_words and held > 0:
        relevance += AGREEMENT_BONUS
    return round(min(1.0, relevance), 4)


def judge(terms: list[Term], hits, certainty: str = DEFAULT_CERTAINTY) -> Judgement:
    """Whether `hits` (with their relevance set) answer the question of `terms`."""
    ranked = sorted((hit for hit in hits if hit.relevance is not None), key=lambda hit: -hit.relevance)
    if not ranked:
        return Judgement(False, 0.0, "nothing found")
    best = ranked[0].relevance
    found = set().union(*(hit.lexemes for hit in ranked[:JUDGED_HITS]))
    # A name the bot says all over (the product its manual is about) is no news: missing from
    # the best passages, it says nothing of whether they answer.
    names = [term for term in terms if term.entity and term.weight >= NAME_MISSING_WEIGHT and not holds(found, term)]
    names += [term for term in terms if term.version_of and term not in names
              and not _said_together(term.version_of, term.lexeme, ranked[:JUDGED_HITS])]
    if names:  # a place, a product or a code the bot's passages never name: it does not know
        words = ", ".join(f"“{term.word}”" for term in names[:3])
        return Judgement(False, best, f"not found: {words}", tuple(term.word for term in names))
    attributes = [term for term in terms if concept(term.lexeme) in ATTRIBUTES and term.lexeme not in VAGUE]
    asked_about = [term for term in attributes if not holds(found, term)]
    if asked_about:
        words = ", ".join(f"“{term.word}”" for term in asked_about[:3])
        return Judgement(False, best, f"not found: {words}", tuple(term.word for term in asked_about))
    unstated = _attribute_of_something_else(terms, attributes, ranked[:JUDGED_HITS])
    if unstated:
        attribute, subject = unstated
        return Judgement(False, best, f"not found: “{attribute.word}” of “{subject.word}”", (subject.word,))
    missing = sorted((term for term in terms if term.weight >= MISSING_TERM_WEIGHT and not holds(found, term)),
                     key=lambda term: -term.weight)
    total = sum(term.weight for term in terms)
    if missing and total and sum(term.weight for term in missing) / total >= MISSING_SHARE:
        words = ", ".join(f"“{term.word}”" for term in missing[:3])
        return Judgement(False, best, f"not found: {words}", tuple(term.word for term in missing))
    # Words the bot never says, missing from the passages too, raise the bar: "Can the kit
    # measure humidity?" of a manual that never says humidity is matched by its other words only.
    unknown = [term for term in terms if not term.entity and term.weight >= UNKNOWN_WEIGHT and not holds(found, term)]
    informative = sum(term.weight for term in terms if not term.entity)
    unknown_share = sum(term.weight for term in unknown) / informative if informative else 0.0
    threshold = CERTAINTY.get(certainty, CERTAINTY[DEFAULT_CERTAINTY]) + UNKNOWN_RAISE * unknown_share
    if best < threshold:
        words = f" (never said: {', '.join(f'“{term.word}”' for term in unknown[:3])})" if unknown else ""
        return Judgement(False, best, f"weak match: the best passage is {best:.0%} relevant, "
                                      f"{threshold:.0%} needed{words}")
    return Judgement(True, best)


def _said_together(name: str, number: str, hits) -> bool:
    """Whether a passage says the number right after the name ("Windows 11", not "Windows"
    here and "11" there). Passages whose word positions are unknown are taken as saying it."""
    for hit in hits:
        positions = getattr(hit, "positions", None)
        if not positions:
            return True
        after_name = {position + 1 for position in positions.get(name, ())}
        if after_name & set(positions.get(number, ())):
            return True
    return False


def _attribute_of_something_else(terms: list[Term], attributes: list[Term], hits) -> tuple[Term, Term] | None:
    """(attribute, what it is asked of) when the passages state the attribute only of other
    things: "¿De qué color es la carcasa?" of passages giving the colour of wires and never
    naming the case. A passage stating it must also hold some of the question's other
    information (entities aside: the names rule speaks for them)."""
    others = [term for term in terms if term not in attributes and not term.entity and term.weight > 0]
    total = sum(term.weight for term in others)
    if not attributes or not total:
        return None
    for attribute in attributes:
        stating = [hit for hit in hits if holds(hit.lexemes, attribute)]
        if not any(coverage(others, hit.lexemes) >= SUBJECT_SHARE for hit in stating):
            subject = max((term for term in others if not any(holds(hit.lexemes, term) for hit in stating)),
                          key=lambda term: term.weight)
            return attribute, subject
    return None


def _word_for(lexeme: str, words: list[str]) -> str:
    """The question's word a stemmed lexeme came from (the longest shared beginning)."""
    best, best_shared = lexeme, 0
    for word in words:
        folded = fold(word)
        shared = len(_common_prefix(folded, lexeme))
        if shared > best_shared and shared >= min(len(lexeme), 3):
            best, best_shared = word, shared
    return best


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
