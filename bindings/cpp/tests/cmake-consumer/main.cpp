// A consumer of an installed libgenauth: the C header and the C++ wrapper, without exceptions
// needed. Exits 0 when a bad config is refused with invalid_config.
#include <genauth.h>
#include <genauth.hpp>

#include <cstdio>
#include <string>

int main() {
    std::printf("libgenauth %s\n", genauth_version());
    genauth::Result<genauth::Client> client = genauth::Client::create("{\"appId\":\"x\"}");
    if (client.ok()) {
        std::printf("FAILED: an incomplete config was accepted\n");
        return 1;
    }
    const genauth::Error& error = client.error();
    std::printf("bad config refused: %s: %s\n", error.code.c_str(), error.message.c_str());
    return error.code == "invalid_config" ? 0 : 1;
}
