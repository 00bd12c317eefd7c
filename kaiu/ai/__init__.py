"""AI providers: the built-in offline ones and any OpenAI-compatible server.

Later issues add `embedder_for(bot)` and `chat_model_for(bot)` here; the connection test
in the tenant settings page already goes through `kaiu.ai.openai_client`.
"""
