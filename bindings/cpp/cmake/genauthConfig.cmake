# find_package(genauth) support for an installed libgenauth. Defines the imported target
#
#   genauth::genauth   the shared library; include directory with genauth.h and genauth.hpp
#
# Relocatable: every path is derived from this file's location, <prefix>/lib/cmake/genauth/.
# genauth.hpp needs C++17 (set CMAKE_CXX_STANDARD 17 or target_compile_features cxx_std_17);
# genauth.h is plain C.

get_filename_component(_genauth_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
# On Linux the library is lib/libgenauth.so.0 (its SONAME), elsewhere lib/libgenauth.dylib etc.
if(EXISTS "${_genauth_prefix}/lib/libgenauth.so.0")
  set(_genauth_library "${_genauth_prefix}/lib/libgenauth.so.0")
else()
  set(_genauth_library
      "${_genauth_prefix}/lib/${CMAKE_SHARED_LIBRARY_PREFIX}genauth${CMAKE_SHARED_LIBRARY_SUFFIX}")
endif()

if(NOT EXISTS "${_genauth_library}" OR NOT EXISTS "${_genauth_prefix}/include/genauth.h")
  set(genauth_FOUND FALSE)
  set(genauth_NOT_FOUND_MESSAGE
      "libgenauth is incomplete under ${_genauth_prefix}: expected ${_genauth_library} and include/genauth.h")
  unset(_genauth_prefix)
  unset(_genauth_library)
  return()
endif()

if(NOT TARGET genauth::genauth)
  add_library(genauth::genauth SHARED IMPORTED)
  set_target_properties(genauth::genauth PROPERTIES
    IMPORTED_LOCATION "${_genauth_library}"
    INTERFACE_INCLUDE_DIRECTORIES "${_genauth_prefix}/include")
  # Executables record the SONAME (libgenauth.so.0 on Linux), not this absolute path; CMake adds
  # the folder to the build tree's run path.
  if(_genauth_library MATCHES "\\.so\\.0$")
    set_target_properties(genauth::genauth PROPERTIES IMPORTED_SONAME "libgenauth.so.0")
  else()
    set_target_properties(genauth::genauth PROPERTIES IMPORTED_NO_SONAME TRUE)
  endif()
endif()

set(genauth_INCLUDE_DIRS "${_genauth_prefix}/include")
set(genauth_LIBRARIES genauth::genauth)

unset(_genauth_prefix)
unset(_genauth_library)
