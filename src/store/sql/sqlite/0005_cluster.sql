-- Cluster mode (--nats): the JetStream messages whose processing is committed, written in the
-- same transaction as their rows. A message redelivered after that commit (its processor died
-- before the ack, or the ack was lost) is then only acknowledged, never counted twice in its
-- run. `stream` names the stream and its creation time, and `xaction` is the event's own
-- transaction id: a message counts as processed only when both its sequence number and its
-- xaction id match, so a re-created stream, whose sequence numbers start again at 1, is never
-- taken for the old one. Rows older than the stream's max age are purged. Shared SQL with SQLite (pipeline/processor.c), so both files keep the same columns.
CREATE TABLE js_processed (
    stream  TEXT   NOT NULL,
    seq     BIGINT NOT NULL,
    xaction TEXT   NOT NULL,
    done_ms BIGINT NOT NULL,
    PRIMARY KEY (stream, seq)
);
CREATE INDEX js_processed_done ON js_processed (done_ms);
