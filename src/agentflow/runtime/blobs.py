"""Building the blob store: files under the data directory, or an S3-compatible store."""

from __future__ import annotations

from agentflow.ports.blob_store import BlobStore
from agentflow.runtime.optional import load
from agentflow.settings import Settings


def build_blobs(settings: Settings) -> BlobStore:
    """``{data_dir}/blobs``, or the bucket of ``AGENTFLOW_BLOB__URL`` (``s3://bucket/prefix``),
    reached with the settings' endpoint, region and keys or else the standard AWS variables."""
    blob = settings.blob
    if blob.url is None:
        from agentflow.adapters.blob.local_files import LocalBlobStore

        return LocalBlobStore(settings.data_dir / "blobs")
    boto3 = load("boto3", "distributed")
    config = load("botocore.config", "distributed").Config(
        signature_version="s3v4", s3={"addressing_style": "path"},
        retries={"max_attempts": 3, "mode": "standard"})
    secret = blob.secret_access_key.get_secret_value() if blob.secret_access_key else None
    key_id = blob.access_key_id.get_secret_value() if blob.access_key_id else None
    client = boto3.client("s3", endpoint_url=blob.endpoint_url, region_name=blob.region,
                          aws_access_key_id=key_id, aws_secret_access_key=secret, config=config)
    bucket, prefix = blob.bucket_and_prefix()
    store: BlobStore = load("agentflow.adapters.blob.s3_store", "distributed").S3BlobStore(
        client, bucket, prefix=prefix, cache_dir=settings.data_dir / "blob-cache",
        link_ttl_s=blob.link_ttl_s)
    return store
