package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Every function of include/genauth.h has its JNA mapping, and every network call its Async form. */
class CoverageTest {

    @Test
    void everyHeaderFunctionIsMapped() throws Exception {
        String header = Files.readString(Path.of("../../include/genauth.h"));
        Matcher m = Pattern.compile("\\b(genauth_\\w+)\\(").matcher(header);
        Set<String> declared = new TreeSet<>();
        while (m.find()) declared.add(m.group(1));
        assertTrue(declared.size() >= 29, declared.toString());
        Set<String> mapped = new TreeSet<>();
        for (Method method : GenAuthLibrary.class.getMethods()) mapped.add(method.getName());
        for (Method method : GenAuthLibrary.Android.class.getMethods()) mapped.add(method.getName());
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(mapped);
        assertEquals(Set.of(), missing, "functions of the header without a JNA mapping");
    }

    @Test
    void everyNetworkCallHasAnAsyncForm() {
        for (Class<?> type : new Class<?>[] {GenAuthClient.class, Session.class}) {
            for (String name : type == Session.class ? new String[] {"freshTokens"} : new String[] {
                    "authorizeUrl", "parseCallback", "exchangeCallback", "exchangeCode", "refresh", "revoke",
                    "introspect", "userinfo", "clientCredentials", "logoutUrl", "deviceStart", "devicePoll"}) {
                boolean found = false;
                for (Method method : type.getMethods()) found |= method.getName().equals(name + "Async");
                assertTrue(found, type.getSimpleName() + "." + name + "Async");
            }
        }
    }
}
