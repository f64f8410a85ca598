"""Code every Xianfeng service uses: config, database, events and outbox,
consumers, errors, auth, metrics, rule sets and periods."""
