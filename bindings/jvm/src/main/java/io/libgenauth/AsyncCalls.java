package io.libgenauth;

import com.sun.jna.Pointer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge from {@code genauth_callback} to {@link CompletableFuture}.
 *
 * <p>One callback object serves every call and lives in a static field, so it is strongly
 * reachable for as long as the class is loaded: the JVM can never collect the trampoline while
 * native code still holds its address. Each call is told apart by its {@code user_data}, a
 * number (not a real pointer) keyed into {@link #PENDING}, which also keeps each call's future
 * reachable until its result arrives.
 */
final class AsyncCalls {
    private AsyncCalls() {}

    private static final class Pending {
        final CompletableFuture<Tokens> future;
        final Executor executor;

        Pending(CompletableFuture<Tokens> future, Executor executor) {
            this.future = future;
            this.executor = executor;
        }
    }

    private static final ConcurrentHashMap<Long, Pending> PENDING = new ConcurrentHashMap<Long, Pending>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1); // 0 would arrive as NULL

    /** The one callback; a static final field, so never collected. */
    static final GenAuthLibrary.ResultCallback CALLBACK = new Deliver();

    private static final class Deliver implements GenAuthLibrary.ResultCallback {
        @Override
        public void invoke(Pointer userData, Pointer resultJson) {
            // Runs on a library thread. Read and free the document first, exactly once; complete
            // the future on the executor so no caller code ever runs on the library's thread
            // (where a blocking call would be refused with reentrant_call).
            String text;
            Throwable readFailure = null;
            try {
                text = GenAuthNative.take(resultJson);
            } catch (Throwable t) {
                text = null;
                readFailure = t;
            }
            Pending pending = userData == null ? null : PENDING.remove(Pointer.nativeValue(userData));
            if (pending == null) return; // not ours: nothing to complete
            final String document = text;
            final Throwable failure = readFailure;
            final CompletableFuture<Tokens> future = pending.future;
            Runnable complete = new Runnable() {
                @Override
                public void run() {
                    try {
                        if (failure != null) throw failure;
                        if (document == null) {
                            throw new GenAuthException("internal", "the callback received no result document");
                        }
                        future.complete(Results.tokens(document));
                    } catch (Throwable t) {
                        future.completeExceptionally(t);
                    }
                }
            };
            try {
                pending.executor.execute(complete);
            } catch (Throwable rejected) {
                complete.run(); // executor shut down: still complete, here
            }
        }
    }

    /** Something that starts one {@code _async} call with the given callback and user data. */
    interface Start {
        int start(GenAuthLibrary.ResultCallback cb, Pointer userData);
    }

    static CompletableFuture<Tokens> submit(Executor executor, Start start) {
        CompletableFuture<Tokens> future = new CompletableFuture<Tokens>();
        long id = NEXT_ID.getAndIncrement();
        PENDING.put(id, new Pending(future, executor));
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
        if (accepted != 0 && PENDING.remove(id) != null) {
            future.completeExceptionally(
                    new GenAuthException("internal", "the library did not accept the call (" + accepted + ")"));
        }
        return future;
    }

    /** Calls whose result has not arrived yet (for tests and diagnostics). */
    static int pendingCount() {
        return PENDING.size();
    }
}
