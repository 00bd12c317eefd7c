"""The bot templates every installation starts with. A data migration and `seed_demo` both
load them through `bots.services.template_sync`, so editing this list is enough."""

TEMPLATES = [
    {
        "slug": "customer-support",
        "name": "Customer support",
        "category": "Support",
        "position": 1,
        "description": "Answers questions about orders, shipping, returns and payments from your policies.",
        "default_rag_config": {
            "chunk_size": 1000,
            "chunk_overlap": 200,
            "top_k": 5,
            "certainty": "balanced",
            "search_mode": "hybrid",
        },
        "sample_system_prompt": (
            "You are the friendly customer-support assistant of {business}. Answer only from the "
            "passages provided. If they do not contain the answer, say so and offer to connect the "
            "customer with a person. Be brief, warm and precise; answer in the customer's language."
        ),
        "sample_queries": [
            "¿Cuánto tarda el envío a Medellín?",
            "¿Puedo pagar contra entrega?",
            "¿Cómo hago una devolución?",
        ],
        "welcome_message": "¡Hola! ¿En qué te puedo ayudar hoy?",
    },
    {
        "slug": "product-expert",
        "name": "Product expert",
        "category": "Sales",
        "position": 2,
        "description": "Recommends products, explains how to use them and quotes live price and stock.",
        "default_rag_config": {
            "chunk_size": 800,
            "chunk_overlap": 150,
            "top_k": 6,
            "certainty": "balanced",
            "search_mode": "hybrid",
        },
        "sample_system_prompt": (
            "You are the product expert of {business}. Recommend products that fit what the customer "
            "describes, explain how to use them safely, and quote prices and stock only from the data "
            "provided. Never invent a product, a price or a health claim."
        ),
        "sample_queries": ["¿Qué aceite me sirve para dormir mejor?", "¿Cómo diluyo el aceite de lavanda?"],
        "welcome_message": "Hola, cuéntame qué buscas y te recomiendo el producto ideal.",
    },
    {
        "slug": "faq",
        "name": "FAQ",
        "category": "Support",
        "position": 3,
        "description": "Short, exact answers to frequent questions, citing the source document.",
        "default_rag_config": {
            "chunk_size": 600,
            "chunk_overlap": 100,
            "top_k": 4,
            "certainty": "strict",
            "search_mode": "hybrid",
        },
        "sample_system_prompt": (
            "You answer frequently asked questions for {business} in one or two sentences, citing the "
            "passage you used. If the passages do not answer the question, say you do not know."
        ),
        "sample_queries": ["¿Cuál es el horario de atención?", "¿Hacen envíos internacionales?"],
        "welcome_message": "Hola, pregúntame lo que necesites saber.",
    },
]
