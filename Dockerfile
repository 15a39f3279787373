# The hub's image for docker-compose.yml (production-like stack).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Without scripts: the project's own (prepare builds dist/) needs the sources, copied next.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY . .
# dist/: the sources as JavaScript, which bin/moisson.js runs (scripts/build.mjs).
RUN node scripts/build.mjs --force
EXPOSE 8080
USER node
# Started as a command, bin/moisson.js starts node with glibc's malloc held to two arenas (scripts/launch.mjs).
CMD ["./bin/moisson.js", "serve", "--import-seeds"]
