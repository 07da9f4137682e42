/* A stand-in for an Android build's genauth_android_init, for the desktop tests of the JVM
 * binding: it does with its arguments what rustls-platform-verifier's init_with_env does (the
 * JNIEnv's version, Context.getClassLoader(), the JavaVM, global references), so a test proves
 * JNA hands over a working JNIEnv and the Context as a jobject. */
#include <jni.h>
#include <stdint.h>

static JavaVM *vm;
static jobject context_ref;
static jobject loader_ref;

int32_t genauth_android_init(JNIEnv *env, jobject context) {
    if (env == NULL || context == NULL) return -1;
    if ((*env)->GetVersion(env) < JNI_VERSION_1_6) return -2;
    jclass cls = (*env)->GetObjectClass(env, context);
    jmethodID get_loader = (*env)->GetMethodID(env, cls, "getClassLoader", "()Ljava/lang/ClassLoader;");
    if (get_loader == NULL) {
        (*env)->ExceptionClear(env);
        return -2;
    }
    jobject loader = (*env)->CallObjectMethod(env, context, get_loader);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        return -2;
    }
    if ((*env)->GetJavaVM(env, &vm) != JNI_OK) return -2;
    context_ref = (*env)->NewGlobalRef(env, context);
    loader_ref = (*env)->NewGlobalRef(env, loader);
    return loader_ref != NULL ? 0 : -2;
}
