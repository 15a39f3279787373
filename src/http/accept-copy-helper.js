// Helper process of accept-copies.ts: sent the hub's listening socket (a bare handle, on which nothing here
// accepts), sends it back as many times as asked (each time the hub receives a new descriptor of the same socket),
// then closes its own and exits. Plain JavaScript without imports: it runs the same from the sources and dist/.
// `on`, not `once`: without a listener node lets go of the IPC channel, and the process would exit with its
// sends still queued (each waits for the hub to acknowledge the descriptor before the next).
let started = false;
process.on('message', (m, handle) => {
  if (started) return;
  started = true;
  if (!m || m.type !== 'copies' || !handle) process.exit(2);
  let sent = 0;
  const next = (err) => {
    if (err) process.exit(3);
    if (sent++ < m.count) process.send({ type: 'copy' }, handle, next);
    else {
      handle.close();
      process.disconnect();
    }
  };
  next();
});
