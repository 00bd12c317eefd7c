"""What the bot says to a visitor when it does not answer from the model: refusals, "I don't
know", errors and replies to small talk, in the bot's language (English when it has no text in
that language)."""

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
    # Said back to small talk (chat.small_talk); a greeting gets the bot's welcome when it has one.
    "greeting": {"es": "¡Hola! ¿En qué te puedo ayudar?", "en": "Hi! How can I help you?"},
    "thanks": {"es": "¡Con gusto! Si tienes otra pregunta, aquí estoy.",
               "en": "You're welcome! If you have another question, I'm here."},
    "goodbye": {"es": "¡Hasta pronto! Aquí estaré si necesitas algo más.",
                "en": "Goodbye! I'll be here if you need anything else."},
}


def message_for(key: str, language: str, **values) -> str:
    texts = MESSAGES[key]
    return texts.get(language, texts["en"]).format(**values)


class ChatError(Exception):
    """A question refused before any answer: `code` for APIs, the message for visitors."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
