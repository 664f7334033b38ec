package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A client of one registry speaking the OCI distribution API v2: manifests and blobs by digest, with
 * bearer-token auth (the token endpoint a 401 names, asked with the user's credentials if any) or basic
 * auth. {@code http://} registries are spoken to in plain HTTP; {@code tlsVerify=false} accepts any
 * certificate and falls back to plain HTTP, as podman does for local registries.
 */
final class Registry {
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http;
    private final String host;
    private final String repository;
    private final String credentials; // "user:pass" or null
    private String scheme;
    private String authorization;

    Registry(String scheme, String host, String repository, String credentials, boolean tlsVerify) throws IOException {
        this.scheme = scheme;
        this.host = host;
        this.repository = repository;
        this.credentials = credentials;
        HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30));
        if (!tlsVerify) {
            b.sslContext(trustAll());
        }
        this.http = b.build();
        this.tlsVerify = tlsVerify;
    }

    private final boolean tlsVerify;

    String host() {
        return host;
    }

    /** A manifest or index by tag or digest: its body and media type. */
    record Document(byte[] body, String mediaType) {}

    Document manifest(String reference) throws IOException {
        HttpResponse<byte[]> r = send(path("manifests/" + reference), Map.of("Accept", Manifests.ACCEPT), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException(status(r.statusCode(), "manifest " + repository + ":" + reference, r.body()));
        }
        if (r.body().length > 4 << 20) {
            throw new IOException("manifest " + reference + " is larger than 4 MiB");
        }
        return new Document(r.body(), r.headers().firstValue("Content-Type").orElse(null));
    }

    /** A blob's body from {@code offset} on (a Range request); the response says whether the registry honoured it (206). */
    HttpResponse<InputStream> blob(String digest, long offset) throws IOException {
        Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        HttpResponse<InputStream> r = send(path("blobs/" + digest), headers, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(2048);
            }
            throw new IOException(status(r.statusCode(), "blob " + digest, body));
        }
        return r;
    }

    byte[] smallBlob(String digest) throws IOException {
        HttpResponse<InputStream> r = blob(digest, 0);
        try (InputStream in = r.body()) {
            byte[] b = in.readNBytes((4 << 20) + 1);
            if (b.length > 4 << 20) {
                throw new IOException("blob " + digest + " is larger than 4 MiB: not a config");
            }
            return b;
        }
    }

    private String path(String rest) {
        return "/v2/" + repository + "/" + rest;
    }

    /** One request; on a 401, authenticates as the response asks and tries once more. */
    private <T> HttpResponse<T> send(String path, Map<String, String> headers, HttpResponse.BodyHandler<T> body) throws IOException {
        HttpResponse<T> r = request(path, headers, body);
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            discard(r);
            authenticate(challenge);
            r = request(path, headers, body);
        }
        return r;
    }

    private <T> HttpResponse<T> request(String path, Map<String, String> headers, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return http.send(build(URI.create(scheme + "://" + host + path), headers), body);
        } catch (javax.net.ssl.SSLException e) {
            if (!tlsVerify && scheme.equals("https")) {
                scheme = "http"; // --tls-verify=false: a registry without TLS at all
                return request(path, headers, body);
            }
            throw new IOException("TLS with " + host + ": " + e.getMessage() + " (for a local registry without TLS: --tls-verify=false or http://)", e);
        } catch (java.net.ConnectException e) {
            throw new IOException("cannot connect to " + scheme + "://" + host + ": " + (e.getMessage() == null ? "connection refused" : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private HttpRequest build(URI uri, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET();
        headers.forEach(b::header);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    private void authenticate(String challenge) throws IOException {
        String basic = credentials == null ? null : "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            if (basic == null) {
                throw new IOException(host + " wants a user name and password: give --creds USER:PASS or log in (~/.docker/config.json)");
            }
            authorization = basic;
            return;
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw new IOException(host + " asks for an authentication the engine does not speak: " + challenge);
        }
        Map<String, String> p = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            p.put(m.group(1), m.group(2));
        }
        String realm = p.remove("realm");
        if (realm == null) {
            throw new IOException(host + " asks for a bearer token without saying where to get one");
        }
        StringBuilder q = new StringBuilder();
        p.putIfAbsent("scope", "repository:" + repository + ":pull");
        p.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(realm + q)).timeout(Duration.ofMinutes(1)).GET();
        if (basic != null) {
            b.header("Authorization", basic);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException(status(r.statusCode(), "a token from " + realm, r.body()));
            }
            JsonNode t;
            try {
                t = JsonReader.read(r.body());
            } catch (JsonReader.SyntaxError e) {
                throw new IOException(realm + " gave a token that is not valid JSON: " + e.getMessage());
            }
            String token = t.path("token").asText(t.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new IOException(realm + " gave no token");
            }
            authorization = "Bearer " + token;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String status(int code, String what, byte[] body) {
        String reason = switch (code) {
            case 401 -> "unauthorized (wrong or missing credentials: --creds USER:PASS)";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 429 -> "too many requests";
            default -> "HTTP " + code;
        };
        String detail = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return what + ": " + reason + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static void discard(HttpResponse<?> r) throws IOException {
        if (r.body() instanceof InputStream in) {
            in.close();
        }
    }

    private static SSLContext trustAll() throws IOException {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, new SecureRandom());
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /**
     * The user's credentials for a registry: {@code $REGISTRY_AUTH_FILE}, else {@code ~/.docker/config.json}
     * ({@code auths.HOST.auth}, base64 of user:pass), or null.
     */
    static String credentialsFor(String host) {
        String file = System.getenv("REGISTRY_AUTH_FILE");
        Path path = file != null ? Path.of(file) : Path.of(System.getProperty("user.home"), ".docker", "config.json");
        try {
            JsonNode auths = JsonReader.read(path).path("auths");
            for (String key : new String[] {host, "https://" + host, "http://" + host, host.equals("registry-1.docker.io") ? "https://index.docker.io/v1/" : host}) {
                String auth = auths.path(key).path("auth").asText("");
                if (!auth.isEmpty()) {
                    return new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }
}
