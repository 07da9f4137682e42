// Run by tests/dist/run as `java -cp <dist jar>:<jna jar>:<org.json jar> RefreshFromJar.java
// CONFIG_JSON CODE`, with no system property and no GENAUTH_LIBRARY: the library must come from
// the jar's linux-x86-64/ (or linux-aarch64/) resource. Prints where it was loaded from.
import io.libgenauth.GenAuthClient;
import io.libgenauth.GenAuthConfig;
import io.libgenauth.Tokens;

public class RefreshFromJar {
    public static void main(String[] args) {
        org.json.JSONObject config = new org.json.JSONObject(args[0]);
        GenAuthClient client = new GenAuthClient(GenAuthConfig.builder().appId(config.getString("appId"))
                .appSecret(config.getString("appSecret")).appHost(config.getString("appHost"))
                .redirectUri(config.getString("redirectUri")).build());
        Tokens tokens = client.exchangeCode(args[1]);
        Tokens fresh = client.refresh(tokens.getRefreshToken());
        client.close();
        System.out.println("refreshed: " + (fresh.getAccessToken() != null && !fresh.getAccessToken().isEmpty()));
        System.out.println("jna.library.path=" + System.getProperty("jna.library.path")
                + " genauth.library.path=" + System.getProperty("genauth.library.path"));
    }
}
