package dev.contain.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The chroot fallback is allowed only where pivot_root cannot work: a host whose / is an initramfs. */
class HostRootTest {
    @Test
    void onlyAnInitramfsRootAllowsChroot() {
        String disk = "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
                + "23 22 0:21 / /proc rw,nosuid shared:2 - proc proc rw\n"
                + "40 22 0:40 / /mnt/scratch rw shared:3 - ramfs ramfs rw\n";
        assertFalse(HostRoot.isInitramfs(disk), "a ramfs elsewhere is not the root");
        assertTrue(HostRoot.isInitramfs("1 1 0:2 / / rw - rootfs rootfs rw\n23 1 0:21 / /proc rw - proc proc rw\n"));
        assertTrue(HostRoot.isInitramfs("1 1 0:2 / / rw - ramfs none rw\n"));
        // the last mount on / is the one processes see: a disk mounted over the initramfs
        assertFalse(HostRoot.isInitramfs("1 1 0:2 / / rw - rootfs rootfs rw\n22 1 253:1 / / rw - ext4 /dev/vda rw\n"));
    }
}
