"""The bot templates every installation starts with. A data migration and `seed_demo` both
load them through `bots.services.template_sync`, so editing this list is enough.

A template's texts come in each language bots speak (kaiu.accounts.models.Language); a new
bot takes those of its own language. English is the base: a language without a text of its
own falls back to it. Examples stay neutral, so they fit a shop anywhere."""

BASE_LANGUAGE = "en"

TEMPLATES = [
    {
        "slug": "customer-support",
        "name": "Customer support",
        "category": "Support",
        "position": 1,
        "default_rag_config": {
            "chunk_size": 1000,
            "chunk_overlap": 200,
            "top_k": 5,
            "certainty": "balanced",
            "search_mode": "hybrid",
            "knows_shop": True,  # products, prices, order status and orders in chat (commerce.knowledge)
        },
        "texts": {
            "en": {
                "description": "Answers questions about orders, shipping, returns and payments from your policies.",
                "sample_system_prompt": (
                    "You are the friendly customer-support assistant of {business}. Answer only from the "
                    "passages provided. If they do not contain the answer, say so and offer to connect the "
                    "customer with a person. Be brief, warm and precise; answer in the customer's language."
                ),
                "sample_queries": [
                    "How long does delivery take?",
                    "Which payment methods do you accept?",
                    "How do I return an item?",
                ],
                "welcome_message": "Hi! How can I help you today?",
            },
            "es": {
                "description": "Responde preguntas sobre pedidos, envíos, devoluciones y pagos a partir de tus "
                               "políticas.",
                "sample_system_prompt": (
                    "Eres el amable asistente de atención al cliente de {business}. Responde solo a partir de "
                    "los pasajes proporcionados. Si no contienen la respuesta, dilo y ofrece poner al cliente "
                    "en contacto con una persona. Sé breve, cálido y preciso; responde en el idioma del cliente."
                ),
                "sample_queries": [
                    "¿Cuánto tarda el envío?",
                    "¿Qué medios de pago aceptan?",
                    "¿Cómo hago una devolución?",
                ],
                "welcome_message": "¡Hola! ¿En qué te puedo ayudar hoy?",
            },
        },
    },
    {
        "slug": "product-expert",
        "name": "Product expert",
        "category": "Sales",
        "position": 2,
        "default_rag_config": {
            "chunk_size": 800,
            "chunk_overlap": 150,
            "top_k": 6,
            "certainty": "balanced",
            "search_mode": "hybrid",
        },
        "texts": {
            "en": {
                "description": "Recommends products, explains how to use them and quotes live price and stock.",
                "sample_system_prompt": (
                    "You are the product expert of {business}. Recommend products that fit what the customer "
                    "describes, explain how to use them safely, and quote prices and stock only from the data "
                    "provided. Never invent a product, a price or a health claim."
                ),
                "sample_queries": ["Which product would you recommend to start with?", "How do I use it safely?"],
                "welcome_message": "Hi! Tell me what you are looking for and I will recommend the right product.",
            },
            "es": {
                "description": "Recomienda productos, explica cómo usarlos y da el precio y las existencias al día.",
                "sample_system_prompt": (
                    "Eres el experto en productos de {business}. Recomienda productos que se ajusten a lo que "
                    "describe el cliente, explica cómo usarlos de forma segura y da precios y existencias solo a "
                    "partir de los datos proporcionados. Nunca inventes un producto, un precio ni una afirmación "
                    "de salud."
                ),
                "sample_queries": ["¿Qué producto me recomiendas para empezar?", "¿Cómo lo uso de forma segura?"],
                "welcome_message": "Hola, cuéntame qué buscas y te recomiendo el producto ideal.",
            },
        },
    },
    {
        "slug": "faq",
        "name": "FAQ",
        "category": "Support",
        "position": 3,
        "default_rag_config": {
            "chunk_size": 600,
            "chunk_overlap": 100,
            "top_k": 4,
            "certainty": "balanced",
            "search_mode": "hybrid",
        },
        "texts": {
            "en": {
                "description": "Short, exact answers to frequent questions, citing the source document.",
                "sample_system_prompt": (
                    "You answer frequently asked questions for {business} in one or two sentences, citing the "
                    "passage you used. If the passages do not answer the question, say you do not know."
                ),
                "sample_queries": ["What are your opening hours?", "Do you ship internationally?"],
                "welcome_message": "Hi! Ask me anything you need to know.",
            },
            "es": {
                "description": "Respuestas breves y exactas a las preguntas frecuentes, citando el documento de "
                               "origen.",
                "sample_system_prompt": (
                    "Respondes las preguntas frecuentes de {business} en una o dos frases, citando el pasaje que "
                    "usaste. Si los pasajes no responden la pregunta, di que no lo sabes."
                ),
                "sample_queries": ["¿Cuál es el horario de atención?", "¿Hacen envíos internacionales?"],
                "welcome_message": "Hola, pregúntame lo que necesites saber.",
            },
        },
    },
]
