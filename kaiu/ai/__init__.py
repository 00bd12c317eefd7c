"""AI providers: the built-in offline ones and any OpenAI-compatible server.

- `kaiu.ai.embeddings.embedder_for(bot)`: the tenant's own provider, else the platform's
  OPENAI_API_KEY, else the built-in feature-hashing embedder (no network).
- `kaiu.ai.chat.chat_model_for(bot)`: likewise, with the built-in extractive model last
  (`kaiu.ai.extractive` reads the passages into whole sentences and records and picks the
  answer; `kaiu.ai.sentences` says where a sentence ends, for it and for extraction).
- `kaiu.ai.openai_client`: the one place that builds an `openai` client (time-outs, retries,
  the SSRF guard of `kaiu.ai.netguard`), also used by the settings page's connection test.
"""
