FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/hongsibu
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app hongsibu && mkdir -p /var/lib/hongsibu \
    && chown hongsibu /var/lib/hongsibu
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e . 2>/dev/null || true
COPY . .
RUN pip install --no-cache-dir -e . \
    && DEBUG=true python manage.py compilemessages --ignore '.venv/*' \
    && DEBUG=false SECRET_KEY=build ALLOWED_HOSTS=build FIELD_HASH_KEY=build \
       FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= python manage.py collectstatic --noinput
USER hongsibu
EXPOSE 8000
CMD ["gunicorn", "hongsibu.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--worker-class", "gthread"]
