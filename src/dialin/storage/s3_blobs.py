"""File bytes in an S3 bucket: the one module that talks to boto3 for file storage.

boto3 is an optional dependency (``pip install dialin[s3]``), imported only when a deployment
configures ``s3://`` storage. Credentials and region come from boto3's usual chain
(environment, profile, instance role); ``AWS_ENDPOINT_URL`` points it at S3-compatible stores.
"""

from __future__ import annotations

from typing import Any

from dialin.errors import DialinError

__all__ = ["S3BlobStore", "S3Unavailable"]


class S3Unavailable(DialinError):
    """S3 storage is configured but boto3 is missing or the bucket cannot be reached."""


class S3BlobStore:
    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        try:
            import boto3
        except ImportError as error:
            raise S3Unavailable(
                f"File storage {url} needs boto3: pip install 'dialin[s3]'"
            ) from error
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise S3Unavailable(f"No bucket in the file storage URL {url}")
        return cls(bucket, prefix, boto3.client("s3"))

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as error:
            raise S3Unavailable(f"Could not store {key} in s3://{self.bucket}: {error}") from error

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise S3Unavailable(f"Could not read {key} from s3://{self.bucket}: {error}") from error
        except BotoCoreError as error:
            raise S3Unavailable(f"Could not read {key} from s3://{self.bucket}: {error}") from error
        body: bytes = answer["Body"].read()
        return body

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            # S3 answers a missing key with success, as the contract asks.
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as error:
            raise S3Unavailable(f"Could not delete {key} in s3://{self.bucket}: {error}") from error
