/* SwiftPM builds a C target only when it has a source file; this one just checks that the
 * module's header compiles. */
#include "CGenAuth.h"
