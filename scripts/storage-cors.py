"""Sets the CORS rule of the local object storage's bucket, if it differs: the web app's origins
may PUT through a presigned URL (with the headers it signs) and GET. Creates the bucket first if
it is missing (the server creates its buckets a moment after it starts answering). Prints
"changed" or "unchanged". Run by scripts/deps.sh with the virtualenv's Python (boto3)."""

import argparse

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError


def ensure_bucket(s3, bucket: str) -> None:
    """Creates `bucket` unless it exists; one created meanwhile by the server is fine."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError:
        pass
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
            raise


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--origins", required=True, help="comma-separated")
    args = parser.parse_args()
    s3 = boto3.client(
        "s3",
        endpoint_url=args.endpoint,
        aws_access_key_id=args.access_key,
        aws_secret_access_key=args.secret_key,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    wanted = [
        {
            "AllowedOrigins": args.origins.split(","),
            "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedHeaders": ["content-type", "content-length"],
            "ExposeHeaders": ["etag"],
            "MaxAgeSeconds": 3600,
        }
    ]
    ensure_bucket(s3, args.bucket)
    try:
        current = s3.get_bucket_cors(Bucket=args.bucket)["CORSRules"]
    except ClientError:
        current = []
    if current == wanted:
        print("unchanged")
        return
    s3.put_bucket_cors(Bucket=args.bucket, CORSConfiguration={"CORSRules": wanted})
    print("changed")


if __name__ == "__main__":
    main()
