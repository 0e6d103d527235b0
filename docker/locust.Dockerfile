# The load generator for `make kind-load`: Locust with AgentFlow's locustfile.
FROM locustio/locust:2.47.0
COPY tests/load/locustfile.py /load/locustfile.py
USER 10001
ENTRYPOINT ["locust"]
