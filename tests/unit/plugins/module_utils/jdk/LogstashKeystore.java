// The JDK side of the keystore format tests: reads and creates a keystore the way Logstash's
// secret store does, through java.security.KeyStore (type pkcs12, secret-key entries made by the
// "PBE" SecretKeyFactory from the Base64 text of each value, the keystore.seed marker).
//
//   java LogstashKeystore read FILE            prints "key<TAB>Base64 of the value" per entry
//   java LogstashKeystore create FILE K=V...   creates FILE holding the marker and these entries
//   java LogstashKeystore lock FILE            holds the file lock Logstash takes while it saves, for 30 s
//
// The password is LOGSTASH_KEYSTORE_PASS when it is set (Base64 of the low byte of each char when
// it is not ASCII); otherwise a random one, kept obfuscated after the PKCS#12 data with its length
// in the last byte, as Logstash keeps the password it makes itself.
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

public final class LogstashKeystore {
    private static final String PREFIX = "urn:logstash:secret:v1:";
    private static final String MARKER = "keystore.seed";

    public static void main(String[] args) throws Exception {
        String file = args[1];
        String configured = System.getenv("LOGSTASH_KEYSTORE_PASS");
        if (args[0].equals("lock")) {
            try (FileChannel channel = FileChannel.open(Paths.get(file), StandardOpenOption.APPEND)) {
                channel.lock();
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(30000);
            }
        } else if (args[0].equals("read")) {
            char[] password = configured != null ? explicit(configured) : kept(Files.readAllBytes(Paths.get(file)));
            KeyStore store = KeyStore.getInstance("pkcs12");
            try (InputStream in = new FileInputStream(file)) {
                store.load(in, password);
            }
            if (secret(store, MARKER, password) == null) {
                throw new IllegalStateException("not a Logstash keystore: no marker");
            }
            List<String> aliases = Collections.list(store.aliases());
            Collections.sort(aliases);
            for (String alias : aliases) {
                String key = alias.substring(PREFIX.length());
                System.out.println(key + "\t" + Base64.getEncoder().encodeToString(secret(store, key, password)));
            }
        } else {
            boolean made = configured == null;
            char[] password = made ? Base64.getEncoder().encodeToString(random(32)).toCharArray() : explicit(configured);
            KeyStore store = KeyStore.getInstance("pkcs12");
            store.load(null, password);
            put(store, MARKER, MARKER, password);
            for (int i = 2; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                put(store, args[i].substring(0, eq), args[i].substring(eq + 1), password);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password);
            if (made) {
                byte[] plain = new String(password).getBytes(StandardCharsets.US_ASCII);
                byte[] noise = random(plain.length);
                for (int i = 0; i < plain.length; i++) {
                    out.write(plain[i] ^ noise[i]);
                }
                out.write(noise);
                out.write(plain.length * 2);
            }
            try (FileOutputStream file_out = new FileOutputStream(file)) {
                file_out.write(out.toByteArray());
            }
        }
    }

    private static char[] explicit(String configured) {
        if (StandardCharsets.US_ASCII.newEncoder().canEncode(configured)) {
            return configured.toCharArray();
        }
        byte[] low = new byte[configured.length()];
        for (int i = 0; i < low.length; i++) {
            low[i] = (byte) configured.charAt(i);
        }
        return Base64.getEncoder().encodeToString(low).toCharArray();
    }

    private static char[] kept(byte[] data) {
        int size = data[data.length - 1] & 0xff;
        char[] password = new char[size / 2];
        for (int i = 0; i < password.length; i++) {
            int hidden = data[data.length - 1 - size + i];
            int noise = data[data.length - 1 - size / 2 + i];
            password[i] = (char) ((hidden ^ noise) & 0xff);
        }
        return password;
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static void put(KeyStore store, String key, String value, char[] password) throws Exception {
        char[] encoded = Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)).toCharArray();
        KeyStore.SecretKeyEntry entry = new KeyStore.SecretKeyEntry(
            SecretKeyFactory.getInstance("PBE").generateSecret(new PBEKeySpec(encoded)));
        store.setEntry(PREFIX + key.toLowerCase(Locale.US), entry, new KeyStore.PasswordProtection(password));
    }

    private static byte[] secret(KeyStore store, String key, char[] password) throws Exception {
        KeyStore.SecretKeyEntry entry = (KeyStore.SecretKeyEntry) store.getEntry(
            PREFIX + key.toLowerCase(Locale.US), new KeyStore.PasswordProtection(password));
        if (entry == null) {
            return null;
        }
        PBEKeySpec spec = (PBEKeySpec) SecretKeyFactory.getInstance("PBE").getKeySpec(entry.getSecretKey(), PBEKeySpec.class);
        return Base64.getDecoder().decode(new String(spec.getPassword()));
    }
}
