package io.libgenauth;

import com.sun.jna.Pointer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge from {@code genauth_callback} to {@link CompletableFuture} (and to the Kotlin
 * coroutines, through {@link #start} and {@link #cancel}).
 *
 * <p>One callback object serves every call and lives in a static field, so it is strongly
 * reachable for as long as the class is loaded: the JVM can never collect the trampoline while
 * native code still holds its address. Each call is told apart by its {@code user_data}, a
 * number (not a real pointer) keyed into {@link #PENDING}, which keeps each call's receiver
 * reachable until its result arrives or the call is cancelled. The callback always reads and
 * frees its document, exactly once, whether or not anybody still waits for it.
 */
final class AsyncCalls {
    private AsyncCalls() {}

    /** Receives one call's result document; runs on a library thread and must not block. */
    interface Sink {
        void deliver(String document);
    }

    /** Something that starts one {@code _async} call with the given callback and user data. */
    interface Start {
        int start(GenAuthLibrary.ResultCallback cb, Pointer userData);
    }

    private static final ConcurrentHashMap<Long, Sink> PENDING = new ConcurrentHashMap<Long, Sink>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1); // 0 would arrive as NULL
    private static final AtomicLong DELIVERED = new AtomicLong();

    /** The one callback; a static final field, so never collected. */
    static final GenAuthLibrary.ResultCallback CALLBACK = new Deliver();

    private static final class Deliver implements GenAuthLibrary.ResultCallback {
        @Override
        public void invoke(Pointer userData, Pointer resultJson) {
            // Runs on a library thread. Read and free the document first, exactly once, then
            // hand it on; nothing may escape into the library's thread.
            String text;
            try {
                text = GenAuthNative.take(resultJson);
            } catch (Throwable t) {
                text = null;
            }
            if (text == null) {
                text = "{\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"the callback received no readable result document\"}}";
            }
            DELIVERED.incrementAndGet();
            Sink sink = userData == null ? null : PENDING.remove(Pointer.nativeValue(userData));
            if (sink == null) return; // cancelled, or not ours: the document is freed all the same
            try {
                sink.deliver(text);
            } catch (Throwable ignored) {
                // a receiver's failure must not unwind into native code
            }
        }
    }

    /**
     * Registers {@code sink} and starts the call; returns the call's id, for {@link #cancel}.
     *
     * @throws GenAuthException {@code internal} when the library did not accept the call
     */
    static long start(Sink sink, Start start) {
        long id = NEXT_ID.getAndIncrement();
        PENDING.put(id, sink);
        int accepted;
        try {
            accepted = start.start(CALLBACK, new Pointer(id));
        } catch (RuntimeException e) {
            PENDING.remove(id);
            throw e;
        } catch (Error e) {
            PENDING.remove(id);
            throw e;
        }
        if (accepted != 0) {
            PENDING.remove(id);
            throw Results.internal("the library did not accept the call (" + accepted
                    + (accepted == -2 ? ": no thread could be created" : "") + ")");
        }
        return id;
    }

    /**
     * Forgets a call's receiver: when the result arrives it is freed and dropped. Returns false
     * when the result was already delivered.
     */
    static boolean cancel(long id) {
        return PENDING.remove(id) != null;
    }

    /**
     * Starts a call whose future completes on {@code executor} (never on the library's thread,
     * where a blocking call would be refused with {@code reentrant_call}). Cancelling the future
     * forgets the receiver; the native call still runs to its end.
     */
    static <T> CompletableFuture<T> submit(final Executor executor, final Results.Parser<T> parser, Start start) {
        final CompletableFuture<T> future = new CompletableFuture<T>();
        Sink sink = new Sink() {
            @Override
            public void deliver(final String document) {
                Runnable complete = new Runnable() {
                    @Override
                    public void run() {
                        try {
                            future.complete(parser.parse(document));
                        } catch (Throwable t) {
                            future.completeExceptionally(t);
                        }
                    }
                };
                try {
                    executor.execute(complete);
                } catch (Throwable rejected) {
                    complete.run(); // executor shut down: still complete, here
                }
            }
        };
        final long id;
        try {
            id = start(sink, start);
        } catch (GenAuthException e) {
            future.completeExceptionally(e);
            return future;
        }
        future.whenComplete((value, error) -> {
            if (future.isCancelled()) cancel(id);
        });
        return future;
    }

    /** Token calls, as before. */
    static CompletableFuture<Tokens> submit(Executor executor, Start start) {
        return submit(executor, Results.TOKENS, start);
    }

    /** Calls whose result has not arrived yet and that were not cancelled. */
    static int pendingCount() {
        return PENDING.size();
    }

    /** Results the callback has received (and freed) since the class was loaded. */
    static long deliveredCount() {
        return DELIVERED.get();
    }
}
