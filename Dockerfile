# The hub's image for docker-compose.yml (production-like stack).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
EXPOSE 8080
USER node
CMD ["node", "bin/moisson.js", "serve", "--import-seeds"]
