# Offgrid LAN server. UNTESTED: written without a Docker engine (see packages/server/README.md, "Docker").
# Mirrors the README's install steps: npm ci, npm run build (the phone app), offgrid serve.
FROM node:20-bookworm
WORKDIR /app
COPY . .
RUN npm ci && npm run build
VOLUME ["/data"]
EXPOSE 8000
CMD ["npx", "offgrid", "serve", "--host", "0.0.0.0", "--data", "/data"]
