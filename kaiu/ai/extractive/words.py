"""Words of the built-in extractive model: folded terms, stop words, a light stemmer, and the
groups of words that name one column or one concept."""

from __future__ import annotations

import functools
import re

from kaiu.ai.embeddings import fold

_TERM = re.compile(r"[0-9a-zñ]+(?:[-_.][0-9a-zñ]+)*")
_STOPWORDS = set(
    "a al algo como con de del donde el ella en es esta este esto hay la las lo los mas me mi mis muy "
    "no o para pero por que se si sin sobre su sus tu un una uno y ya cual cuales cuando cuanto puedo "
    "tienen tiene tienes hacer hace quiero saber son estan ser fue le les nos usted ustedes "
    "the an and are can do does for how i in is it my of on or what when where which who why with you your "
    "be been has have this that there to at by as if from we our they many much cuantos cuantas cuanta solo "
    "only really anything something everything every any other others else just also still even ever way ways "
    "thing things algun alguna alguno algunos algunas ademas dentro cosa cosas forma manera modo nada todo todos "
    "todas cada otro otra otros otras mismo misma "
    # Forms of "be", "have" and "do" and of "ser", "estar", "haber": they tie a sentence together, whatever it says.
    "am was were being having had did done doing does isn aren wasn weren don doesn didn "
    "soy eres somos era eran sea sean sido siendo estoy estas estamos estaba estaban este esten estado "
    "ha han he has hemos habia habian haya hayan habido "
    # Pronouns, determiners and prepositions: "Is there some kind of game built into aptitude?" is
    # about a game, not about "into".
    "into onto about than then some such these those here its them their he she him her his me us "
    "not no nor so too very via per upon "
    "ese esa eso esos esas aquel aquella aquello entre hacia hasta segun tras ante bajo durante mediante "
    "tan tanto tanta tambien ni".split())
# Words a question uses for a column, by column: "¿cuánto cuesta?" asks for price_sek or precio.
_FIELD_WORDS = [
    "price prices precio precios cost costs costo coste cuesta cuestan vale valen valor much tarifa pvp",
    "stock existencias existencia disponible disponibles disponibilidad available availability inventory "
    "inventario quedan unidades units quantity cantidad",
    "weight weighs peso pesa gramos grams",
    "origin origen procedencia country pais region",
    "name nombre product producto title titulo",
    "description descripcion details detalles",
    "size talla tamano medida medidas dimensions",
    "color colour colores colors",
    "category categoria type tipo",
    "sku code codigo reference referencia",
    "brand marca",
]
_NAME_GROUP = 4  # the "name" line above: a record's identifying field, when it has one


def _stems(text: str) -> list[str]:
    """Folded words without stop words, each cut to its stem (_stem)."""
    return _stems_of(_TERM.findall(fold(text)))


def _stems_of(words: list[str]) -> list[str]:
    return [_stem(word) for word in words if word not in _STOPWORDS and len(word) > 1]


# Endings of plurals, participles, verbs and adverbs, longest first: "instalación", "instalado",
# "instalar" and "installed" all come to "instal", "apago" and "apagar" to "apag". What is left
# keeps at least four letters.
_SUFFIXES = ("aciones", "iciones", "amente", "acion", "icion", "mente", "iendo", "ando", "amos", "emos", "imos",
             "ados", "adas", "idos", "idas", "ing", "ado", "ada", "ido", "ida", "ar", "er", "ir", "an", "en", "ed",
             "es", "s")


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light stemmer for Spanish and English, enough to match envío / envíos, nuevo / nuevas,
    file / files, install / installed: a plural, participle or adverb ending off, then a final
    vowel (gender, the "e" of "paquete" and "paquetes" alike), then cut to six letters (which
    keeps "dirección" apart from "directorio"). Words with digits or joiners (codes, file
    names, options) are kept whole."""
    if not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= (3 if _short_stem_ok(word, suffix) else 4):
            word = word[:-len(suffix)]
            break
    if len(word) > SHORTEST_STEM and word[-1] in "aeo":
        word = word[:-1]
    return word[:6]


_INFINITIVES = frozenset(("ar", "er", "ir"))


def _short_stem_ok(word: str, suffix: str) -> bool:
    """Whether three letters may be left: of an infinitive ("apagar"), or of an English past
    participle whose verb ends in a silent "e" ("named", "saved": "name", "save"), never of a
    word ending in "eed" ("speed")."""
    return suffix in _INFINITIVES or (suffix == "ed" and word[-3] != "e")
SHORTEST_STEM = 3


_GROUP_OF = {stem: group for group, words in enumerate(_FIELD_WORDS) for stem in _stems(words)}

# Words a customer and a shop's text use for the same thing: "¿Cuánto tarda el envío?" is
# answered by "Cali: 2 a 3 días hábiles", which shares no word with it. A sentence holding a
# word of a group holds the group's marker ("c0"), and so does a question.
_CONCEPT_WORDS = [
    "tarda tardan tardara demora demoran tiempo plazo long dias dia days day semanas semana weeks "
    "week horas hours habiles",
    "precio precios cuesta cuestan costo coste cost costs price prices vale valor tarifa fee",
    "pago pagos pagar paga pagan pay payment payments tarjeta tarjetas card cards efectivo cash",
    "envio envios enviar enviamos envian ship ships shipping delivery deliver despacho despachamos",
    "devolucion devoluciones devolver return returns refund refunds reembolso reembolsos",
]
_CONCEPT_OF = {stem: group for group, words in enumerate(_CONCEPT_WORDS) for stem in _stems(words)}


def _with_concepts(stems) -> frozenset[str]:
    return frozenset(stems) | {f"c{_CONCEPT_OF[stem]}" for stem in stems if stem in _CONCEPT_OF}


def _asked_terms(stems) -> set[str]:
    return {f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem for stem in stems}


# Verbs and adverbs any question may use, whatever it asks about: rare among a few passages'
# sentences only by chance ("may", "would", "tener"), they say little of what is asked.
GENERIC_SHARE = 0.5
_GENERIC_WORDS = (
    "may might must should would could shall use uses used using make makes made let lets find finds found show "
    "shows keep keeps get gets got take takes took give gives put need needs want wants like most more less least "
    "first last one two three go goes come comes see seen look looks tell know try run well able possible "
    "new old own right wrong best better good back out up down off over again always never often usually "
    "puedo puede pueden podria debo debe deben tener tengo tiene poner pone pongo ponen venir viene vienen usar uso "
    "usa usan desde dar da dan hacer hago hace ir voy ver veo querer quiero deber llevar lleva dejar deja gustar "
    "gusta mas menos mejor peor primero primer ultimo uno dos tres nuevo nueva propio propia bien mal siempre nunca "
    "ahora aqui alli luego despues antes kind kinds sort sorts clase")
_GENERIC = frozenset(_stems_of(_GENERIC_WORDS.split()))
