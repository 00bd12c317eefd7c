"""What the bot says to a visitor when it does not answer from the model: refusals, "I don't
know" and errors, in the bot's language (English when it has no text in that language)."""

MESSAGES = {
    "unknown": {
        "es": "No encontré esa información en mis documentos. ¿Puedes reformular la pregunta o darme más detalles?",
        "en": "I couldn't find that in my documents. Could you rephrase the question or give me more detail?",
    },
    "error": {
        "es": "Lo siento, ahora mismo no puedo responder. Inténtalo de nuevo en un momento.",
        "en": "Sorry, I can't answer right now. Please try again in a moment.",
    },
    "quota": {
        "es": "Este asistente alcanzó su límite de preguntas de este mes. Vuelve a intentarlo más adelante.",
        "en": "This assistant has reached its question limit for this month. Please try again later.",
    },
    "too_long": {
        "es": "Tu mensaje es demasiado largo: el máximo es de {limit} caracteres.",
        "en": "Your message is too long: the limit is {limit} characters.",
    },
    "empty": {
        "es": "Escribe una pregunta.",
        "en": "Please write a question.",
    },
}


def message_for(key: str, language: str, **values) -> str:
    texts = MESSAGES[key]
    return texts.get(language, texts["en"]).format(**values)


class ChatError(Exception):
    """A question refused before any answer: `code` for APIs, the message for visitors."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
