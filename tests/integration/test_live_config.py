"""Live training hands FAL a presigned URL of each dataset, which FAL downloads from the
internet. `serve` in live mode against the real FAL refuses to start when that URL would
point at a cluster-internal or non-https address (the shipped ConfigMap's MinIO service did),
and says to set S3_PUBLIC_ENDPOINT; against a stand-in or proxy inside the network it does not
ask for one."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import harness as h  # noqa: E402

LIVE = {"FAL_MODE": "live", "FAL_KEY": "key-id:key-secret",
        "STORAGE_URL": "s3://photos", "S3_ENDPOINT": "http://minio.storage.svc:9000",
        "S3_FORCE_PATH_STYLE": "true", "S3_ACCESS_KEY": "AKIDEXAMPLE",
        "S3_SECRET_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}


class LiveConfigTest(h.IntegrationTestCase):

    def serve_refused(self, env):
        r = h.run_avatarbot(["serve"], db_url=self.db_url, botapi=self.botapi, extra_env=env,
                            timeout=30)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        return r.stderr

    def test_internal_dataset_urls_are_refused_with_the_real_fal(self):
        err = self.serve_refused(LIVE)
        self.assertIn("S3_PUBLIC_ENDPOINT", err)
        self.assertIn("http://minio.storage.svc:9000/photos/datasets/check.zip", err)
        self.assertIn("it is not https", err)
        self.assertNotIn("X-Amz-Signature", err)
        self.assertNotIn(LIVE["S3_SECRET_KEY"], err)
        # https, but still a name only the cluster resolves
        err = self.serve_refused(dict(LIVE, S3_PUBLIC_ENDPOINT="https://minio.storage.svc"))
        self.assertIn("only reachable from inside", err)
        # file:// storage cannot be handed to FAL at all
        err = self.serve_refused(dict(LIVE, STORAGE_URL="file:///tmp/avatarbot-objects"))
        self.assertIn("S3_PUBLIC_ENDPOINT", err)

    def test_a_public_endpoint_or_a_fal_inside_the_network_starts(self):
        svc = self.start_service("a", extra_env=dict(LIVE,
                                                      S3_PUBLIC_ENDPOINT="https://files.example.com"))
        self.assertEqual(svc.get("/readyz")[0], 200)
        svc.stop()
        # a FAL stand-in (or a proxy) on the same network fetches from the same network
        svc = self.start_service("b", extra_env=dict(LIVE, FAL_QUEUE_BASE="http://127.0.0.1:9"))
        self.assertEqual(svc.get("/readyz")[0], 200)


if __name__ == "__main__":
    h.main()
