package io.libgenauth;

/**
 * The native libgenauth could not be loaded. Thrown by every call that needs the library, each
 * time with the same explanation (where it was looked for) and the loader's own error as cause.
 */
public final class LibraryNotFoundError extends UnsatisfiedLinkError {
    private static final long serialVersionUID = 1L;

    LibraryNotFoundError(String message, Throwable cause) {
        super(message);
        initCause(cause);
    }
}
