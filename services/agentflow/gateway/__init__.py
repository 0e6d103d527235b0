"""The HTTP gateway: FastAPI app, routers, problem responses, SSE."""
