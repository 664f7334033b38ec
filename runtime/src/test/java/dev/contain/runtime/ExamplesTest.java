package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.contain.runtime.TestHost.Result;
import org.junit.jupiter.api.Test;

/**
 * The examples run as written (their image is the store's busybox). Others are run where their feature is
 * tested: lab-namespaces (RunTest), lab-cgroups (LimitsTest), lab-networking, proxy-b, pod-sidecar
 * (NetworkTest). lab-networking-webserver needs the Debian image (make image-debian), which tests do not build.
 */
class ExamplesTest {
    @Test
    void hello() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/hello.yaml");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("hello from hello: I am user 0 and PID 1 among "), r.out());
            assertTrue(r.out().contains("network interfaces: lo \nroot filesystem: overlay\n"), r.out());
        }
    }

    @Test
    void labNamespaceMount() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/lab-namespace-mount.yaml");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("site: <h1>served by contain</h1>"), r.out());
        }
    }

    @Test
    void labOverlayfs() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/lab-overlayfs.yaml");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("hello from a layer above the image\n"), r.out());
            assertTrue(r.out().contains("/tmp/from-container"), r.out());
        }
    }

    @Test
    void readonly() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/readonly.yaml");
            assertEquals(0, r.exit(), r.err());
            assertEquals("hello from 1000 in /tmp\ntouch: /etc/x: Read-only file system\ntmp is writable\n", r.out());
        }
    }

    @Test
    void hardened() throws Exception {
        try (TestHost host = new TestHost()) {
            Result r = host.run("run", "-q", "../examples/hardened.yaml");
            assertEquals(0, r.exit(), r.err());
            assertEquals("CapEff:\t0000000000000000\nCapBnd:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t2\nopen files: 64\n", r.out());
        }
    }

    @Test
    void webServesItsSiteAndStopsOnSigterm() throws Exception {
        try (TestHost host = new TestHost(true)) {
            TestHost.Running web = host.start("run", "../examples/web.yaml");
            String page = "";
            for (int i = 0; i < 50 && !page.contains("served by contain"); i++) { // httpd needs a moment to listen
                Thread.sleep(100);
                page = host.inNetns("sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 1 192.168.42.2 80 | tail -n 1");
            }
            assertEquals("<h1>served by contain</h1>\n", page);
            web.signal("TERM");
            Result r = web.finish();
            assertEquals(143, r.exit(), "httpd dies of the SIGTERM the init forwards to it: " + r.err());
            assertTrue(r.err().contains("container network eth0: 192.168.42.2/24 on bridge contain0"), r.err());
        }
    }
}
