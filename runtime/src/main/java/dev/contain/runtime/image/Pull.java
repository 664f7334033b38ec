package dev.contain.runtime.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.kernel.Kernel;
import dev.contain.runtime.kernel.StoreLock;
import dev.contain.runtime.kernel.TestHooks;
import dev.contain.spec.ImageRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code contain pull}: the manifest (for linux/amd64 from an index), the config, then the layers the store
 * lacks, three at a time, each unpacked as it downloads (into {@code <data root>/downloads/HEX.partial}, from
 * where a killed pull's download is resumed with a Range request). A layer enters the store only once its
 * blob's digest and its content's diffid checked out, so a partial or corrupt download never becomes a layer.
 */
public final class Pull {
    public record Options(String credentials, boolean tlsVerify, PrintStream out, boolean terminal) {}

    private static final int PARALLEL = 3;

    private final Path dataRoot;
    private final OciStore store;
    private final Path downloads;
    private final Options options;

    public Pull(Kernel kernel, Path dataRoot, Options options) {
        this.dataRoot = dataRoot;
        this.store = new OciStore(kernel, dataRoot);
        this.downloads = dataRoot.resolve("downloads");
        this.options = options;
    }

    public ImageRecord pull(String text) throws IOException {
        String scheme = "https";
        String refText = text;
        if (text.startsWith("http://") || text.startsWith("https://")) {
            scheme = text.substring(0, text.indexOf(':'));
            refText = text.substring(scheme.length() + 3);
        }
        ImageRef.Reference ref = ImageRef.Reference.parse(refText);
        if (ref == null) {
            throw new IOException("'" + text + "' is not an image reference, like alpine:3.19 or localhost:5000/app@sha256:HEX");
        }
        String domain = ref.domain() == null ? "docker.io" : ref.domain();
        String host = domain.equals("docker.io") ? "registry-1.docker.io" : domain;
        String repository = domain.equals("docker.io") && !ref.path().contains("/") ? "library/" + ref.path() : ref.path();
        String name = domain + "/" + repository;
        String tag = ref.tag() == null ? "latest" : ref.tag();
        String credentials = options.credentials() != null ? options.credentials() : Registry.credentialsFor(host);
        Registry registry = new Registry(scheme, host, repository, credentials, options.tlsVerify() && scheme.equals("https"));

        String wanted = ref.digest() != null ? ref.digest() : tag;
        Registry.Document doc = registry.manifest(wanted);
        String digest = OciStore.digest(doc.body());
        if (ref.digest() != null && !digest.equals(ref.digest())) {
            throw new IOException("manifest " + ref.digest() + " does not match its digest (" + digest + ")");
        }
        JsonNode json = Manifests.parse(doc.body(), "manifest " + wanted);
        if (Manifests.isIndex(doc.mediaType(), json)) {
            Manifests.Descriptor d = Manifests.pick(Manifests.entries(json), "index " + wanted);
            doc = registry.manifest(d.digest());
            digest = OciStore.digest(doc.body());
            if (!digest.equals(d.digest())) {
                throw new IOException("manifest " + d.digest() + " does not match its digest (" + digest + ")");
            }
            json = Manifests.parse(doc.body(), "manifest " + d.digest());
        }
        Manifests.Manifest manifest = Manifests.manifest(json, "manifest " + digest);
        byte[] config = registry.smallBlob(manifest.config().digest());
        if (!OciStore.digest(config).equals(manifest.config().digest())) {
            throw new IOException("config " + manifest.config().digest() + " does not match its digest");
        }
        List<String> diffIds = new ArrayList<>();
        Manifests.parse(config, "config").path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        if (diffIds.size() != manifest.layers().size()) {
            throw new IOException("manifest " + digest + " lists " + manifest.layers().size() + " layers, its config " + diffIds.size());
        }
        List<Manifests.Descriptor> missing = new ArrayList<>();
        List<String> missingDiffIds = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>(); // a blob listed twice (an empty layer) is fetched once
        for (int i = 0; i < diffIds.size(); i++) {
            LayerStore.check(diffIds.get(i));
            LayerStore.check(manifest.layers().get(i).digest());
            if (!store.layers().has(diffIds.get(i)) && seen.add(manifest.layers().get(i).digest())) {
                missing.add(manifest.layers().get(i));
                missingDiffIds.add(diffIds.get(i));
            }
        }
        options.out().println("pulling " + name + ":" + tag + " (" + digest.substring(7, 19) + "): " + manifest.layers().size()
                + " layers, " + missing.size() + " to download");
        ImageRecord record;
        try (Leftovers.Work ignored = Leftovers.writer(store.kernel(), dataRoot)) {
            download(registry, missing, missingDiffIds);
            List<OciStore.Blob> blobs = new ArrayList<>();
            for (Manifests.Descriptor l : manifest.layers()) {
                blobs.add(new OciStore.Blob(l.digest(), () -> {
                    throw new IOException("layer blob " + l.digest() + " was not unpacked as its config says");
                }));
            }
            record = store.store(name, tag, digest, config, manifest.config().digest(), blobs, null);
        }
        options.out().println("pulled " + record.reference() + " (" + record.id().substring(7, 19) + ")");
        return record;
    }

    /** The missing layers, {@link #PARALLEL} at a time, each unpacked as it downloads. */
    private void download(Registry registry, List<Manifests.Descriptor> layers, List<String> diffIds) throws IOException {
        if (layers.isEmpty()) {
            return;
        }
        Files.createDirectories(downloads);
        ProgressLine progress = new ProgressLine(options, layers);
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "contain-pull");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                Manifests.Descriptor d = layers.get(i);
                String diffId = diffIds.get(i);
                AtomicLong counter = progress.counter(i);
                futures.add(pool.submit(() -> {
                    progress.done(d, fetch(registry, d, diffId, counter));
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            pool.shutdownNow();
            progress.close();
        }
    }

    /**
     * One layer, under its blob's lock (a second pull of it waits, then finds it in the store): downloaded
     * into downloads/HEX.partial and unpacked as the bytes arrive. A .partial a killed pull left is read
     * first and the rest asked for with a Range request. The layer is renamed into the store only once the
     * blob's digest over the whole file, and the diffid of its content, checked out (LayerStore.add); then
     * the .partial goes. A resumed download that does not check out is fetched once more from its start.
     * Returns where the download resumed (0: from the start).
     */
    private long fetch(Registry registry, Manifests.Descriptor d, String diffId, AtomicLong counter) throws IOException {
        String hex = LayerStore.hex(d.digest());
        Path part = downloads.resolve(hex + ".partial");
        try (StoreLock ignored = StoreLock.blob(dataRoot, hex)) {
            if (store.layers().has(diffId)) {
                return 0; // another pull stored it meanwhile
            }
            for (boolean retried = false; ; retried = true) {
                long[] resumedFrom = {0};
                try (InputStream blob = open(registry, d, part, counter, resumedFrom)) {
                    store.layers().add(diffId, d.digest(), blob);
                    Files.deleteIfExists(part);
                    return resumedFrom[0];
                } catch (LayerStore.Corrupt e) {
                    Files.deleteIfExists(part); // a corrupt blob is not resumed from
                    if (resumedFrom[0] == 0 || retried) {
                        throw new IOException(e.getMessage() + " from " + registry.host() + ": refused, nothing of it is used", e);
                    }
                }
            }
        }
    }

    /**
     * The blob as a stream: the kept part of a killed download, then the registry's bytes from there on (a
     * Range request; from the start if the registry does not honour it), each also appended to {@code part}.
     */
    private static InputStream open(Registry registry, Manifests.Descriptor d, Path part, AtomicLong counter, long[] resumedFrom)
            throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        counter.set(have);
        if (d.size() >= 0 && have >= d.size()) {
            resumedFrom[0] = have;
            return Files.newInputStream(part); // complete, or longer than it should be: the digest tells
        }
        HttpResponse<InputStream> r = registry.blob(d.digest(), have);
        boolean append = have > 0 && r.statusCode() == 206
                && r.headers().firstValue("Content-Range").orElse("").startsWith("bytes " + have + "-");
        if (have > 0 && !append && r.statusCode() == 206) { // a range other than asked for: start over
            r.body().close();
            r = registry.blob(d.digest(), 0);
        }
        if (!append) {
            have = 0;
            counter.set(0);
        }
        resumedFrom[0] = have;
        OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        InputStream fresh = new Tee(r.body(), out, counter, have, d.size());
        return have == 0 ? fresh : new java.io.SequenceInputStream(Files.newInputStream(part), fresh);
    }

    /** The registry's bytes, each also appended to the .partial file (what a resumed pull reads first). */
    private static final class Tee extends java.io.FilterInputStream {
        private final OutputStream copy;
        private final AtomicLong counter;
        private final long half;
        private long written;

        Tee(InputStream in, OutputStream copy, AtomicLong counter, long have, long size) {
            super(in);
            this.copy = copy;
            this.counter = counter;
            this.written = have;
            this.half = size / 2;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
                written += n;
                counter.addAndGet(n);
                if (written >= half && written - n < half && TestHooks.on()) {
                    TestHooks.point("pull:half"); // a test kills the pull here: this blob is partly on disk
                }
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                copy.close();
            }
        }
    }

    /** Bytes, rate and per-layer state: redrawn in place on a terminal, one line per finished layer otherwise. */
    private static final class ProgressLine implements AutoCloseable {
        private final Options options;
        private final List<Manifests.Descriptor> layers;
        private final List<AtomicLong> counters = new ArrayList<>();
        private final long start = System.nanoTime();
        private final Thread ticker;

        ProgressLine(Options options, List<Manifests.Descriptor> layers) {
            this.options = options;
            this.layers = layers;
            layers.forEach(l -> counters.add(new AtomicLong()));
            ticker = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                    draw();
                }
            }, "contain-pull-progress");
            ticker.setDaemon(true);
            if (options.terminal()) {
                ticker.start();
            }
        }

        AtomicLong counter(int i) {
            return counters.get(i);
        }

        synchronized void done(Manifests.Descriptor d, long resumedFrom) {
            long bytes = counters.get(layers.indexOf(d)).get();
            if (options.terminal()) {
                options.out().print("\r\033[K");
            }
            options.out().println("layer " + d.digest().substring(7, 19) + ": " + mb(bytes) + " downloaded"
                    + (resumedFrom > 0 ? " (resumed at " + mb(resumedFrom) + ")" : "") + ", verified");
        }

        private synchronized void draw() {
            long total = counters.stream().mapToLong(AtomicLong::get).sum();
            double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
            StringBuilder s = new StringBuilder("\r\033[K" + mb(total) + " at " + mb((long) (total / seconds)) + "/s");
            for (int i = 0; i < layers.size() && s.length() < 200; i++) {
                long size = layers.get(i).size();
                long got = counters.get(i).get();
                s.append("  ").append(layers.get(i).digest(), 7, 15).append(' ')
                        .append(size > 0 ? (100 * got / size) + "%" : mb(got));
            }
            options.out().print(s);
            options.out().flush();
        }

        private static String mb(long bytes) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }

        @Override
        public void close() {
            ticker.interrupt();
            if (options.terminal()) {
                options.out().print("\r\033[K");
                options.out().flush();
            }
        }
    }
}
