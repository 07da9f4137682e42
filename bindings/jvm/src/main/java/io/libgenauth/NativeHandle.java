package io.libgenauth;

import com.sun.jna.Pointer;

/**
 * A native pointer shared by threads: calls {@link #acquire} it for their duration, and
 * {@link #close} frees it once no call holds it (calls running then finish first; later ones
 * throw {@link IllegalStateException}).
 */
final class NativeHandle {
    interface Free {
        void free(Pointer pointer);
    }

    private final Object lock = new Object();
    private final String kind;
    private final Free free;
    private Pointer pointer; // null once released
    private boolean closed;
    private int inFlight;

    NativeHandle(String kind, Pointer pointer, Free free) {
        this.kind = kind;
        this.pointer = pointer;
        this.free = free;
    }

    Pointer acquire() {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("this " + kind + " is closed");
            inFlight++;
            return pointer;
        }
    }

    void release() {
        Pointer toFree = null;
        synchronized (lock) {
            inFlight--;
            if (inFlight == 0 && closed && pointer != null) {
                toFree = pointer;
                pointer = null;
            }
        }
        if (toFree != null) free.free(toFree);
    }

    boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    void close() {
        Pointer toFree = null;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (inFlight == 0) {
                toFree = pointer;
                pointer = null;
            }
        }
        if (toFree != null) free.free(toFree);
    }
}
