"""Local HTTP servers that speak the Aliyun ECS and Tencent Cloud CVM APIs.

They implement just enough of the providers' real wire formats for the inventory plugins'
SDK clients to talk to them through the endpoint override:

* Aliyun ECS RPC style (API 2014-05-26): the request parameters (Action, Version, AccessKeyId,
  Signature, SignatureMethod, SignatureNonce, SignatureVersion, Timestamp, Format, RegionId,
  PageNumber, PageSize, ...) come in the query string (or a form body); the HMAC-SHA1 signature
  is recomputed and checked; errors are the provider's JSON ({RequestId, HostId, Code, Message}).
  STS AssumeRole (API 2015-04-01) on the same server hands out temporary keys (``STS.``) that are
  accepted only with their ``SecurityToken`` parameter, which the signature covers.
* Tencent Cloud API 3.0 (cvm 2017-03-12): POST of a JSON body with X-TC-Action, X-TC-Version,
  X-TC-Region, X-TC-Timestamp and an ``Authorization: TC3-HMAC-SHA256 Credential=...,
  SignedHeaders=..., Signature=...`` header that is recomputed and checked; answers are
  ``{"Response": {...}}`` with ``Error: {Code, Message}`` on failure. A temporary key
  (``add_temporary_key``) is accepted only with its session token in the ``X-TC-Token`` header.

Run standalone for manual tries: ``python cloud_stubs.py aliyun|tencent [port]``.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import json
import sys
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


def _percent(value: str) -> str:
    return quote(str(value), safe="~")


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler, access_key: str, secret: str, instances: list[dict], regions):
        super().__init__(("127.0.0.1", 0), handler)
        self.access_key = access_key
        self.secret = secret
        # every key id the server accepts -> (secret, security token or None); STS AssumeRole
        # (Aliyun) adds temporary keys, add_temporary_key() adds one directly
        self.keys: dict[str, tuple[str, str | None]] = {access_key: (secret, None)}
        self.roles: set[str] = set()  # role ARNs STS AssumeRole may assume
        self.instances = instances
        self.regions = list(regions)
        self.requests: list[dict] = []  # every accepted API call: action + parameters
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def calls(self, action: str) -> list[dict]:
        return [r for r in self.requests if r["action"] == action]

    def add_temporary_key(self, key_id: str, secret: str) -> str:
        """Accept ``key_id`` only with the security token returned here."""
        token = "CAIS" + uuid.uuid4().hex * 3
        self.keys[key_id] = (secret, token)
        return token


class _Handler(BaseHTTPRequestHandler):
    server: _StubServer

    def log_message(self, format, *args):  # keep pytest output quiet
        pass

    def _send_json(self, status: int, payload: dict):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


# ---------------------------------------------------------------------------------------------
# Aliyun ECS
# ---------------------------------------------------------------------------------------------
ALIYUN_REQUIRED = (
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Format",
)


class AliyunHandler(_Handler):
    def do_GET(self):
        self._handle(b"")

    def do_POST(self):
        self._handle(self._body())

    def _error(self, status: int, code: str, message: str):
        self._send_json(
            status,
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "HostId": "ecs.aliyuncs.com",
                "Code": code,
                "Message": message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}",
            },
        )

    def _handle(self, body: bytes):
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if body and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        for name in ALIYUN_REQUIRED:
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return self._error(400, "InvalidParameter", "SignatureMethod is invalid.")
        if params["AccessKeyId"] not in self.server.keys:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        secret, token = self.server.keys[params["AccessKeyId"]]
        # SecurityToken is one of the parameters, so the signature below covers it
        signed = {k: v for k, v in params.items() if k != "Signature"}
        canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(signed.items()))
        string_to_sign = f"{self.command}&%2F&{_percent(canonical)}"
        digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
        if base64.b64encode(digest).decode() != params["Signature"]:
            return self._error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to "
                f"sign is:{string_to_sign}",
            )
        if token is not None and params.get("SecurityToken") != token:
            return self._error(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey"
                if params.get("SecurityToken")
                else "InvalidSecurityToken.Malformed",
                "Specified SecurityToken is invalid or does not match the AccessKeyId.",
            )
        if params["Version"] != (
            "2015-04-01" if params["Action"] == "AssumeRole" else "2014-05-26"
        ):
            return self._error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        self.server.requests.append(
            {"action": params["Action"], "method": self.command, "params": params}
        )
        if params["Action"] == "AssumeRole":
            return self._assume_role(params)
        if params["Action"] == "DescribeRegions":
            return self._send_json(
                200,
                {
                    "RequestId": str(uuid.uuid4()).upper(),
                    "Regions": {
                        "Region": [
                            {
                                "RegionId": r,
                                "LocalName": r,
                                "RegionEndpoint": f"ecs.{r}.aliyuncs.com",
                            }
                            for r in self.server.regions
                        ]
                    },
                },
            )
        if params["Action"] != "DescribeInstances":
            return self._error(404, "InvalidAction.NotFound", "Specified api is not found.")
        if not params.get("RegionId"):
            return self._error(400, "MissingRegionId", "RegionId is mandatory for this action.")
        page_number = int(params.get("PageNumber") or 1)
        page_size = int(params.get("PageSize") or 10)
        if not 1 <= page_size <= 100 or page_number < 1:
            return self._error(400, "InvalidParameter", "The specified parameter is invalid.")
        native = {
            "ZoneId": lambda inst, v: inst["ZoneId"] == v,
            "InstanceType": lambda inst, v: inst["InstanceType"] == v,
            "InstanceIds": lambda inst, v: inst["InstanceId"] in json.loads(v),
            "InstanceName": lambda inst, v: fnmatch.fnmatchcase(inst["InstanceName"], v),
            "InstanceChargeType": lambda inst, v: inst["InstanceChargeType"] == v,
        }
        wanted_tags = []
        for n in range(1, 21):
            if f"Tag.{n}.Key" in params:
                wanted_tags.append((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value")))
        matched = []
        for inst in self.server.instances:
            if inst["RegionId"] != params["RegionId"]:
                continue
            if params.get("Status") and inst["Status"] != params["Status"]:
                continue
            if params.get("VpcId") and inst["VpcAttributes"]["VpcId"] != params["VpcId"]:
                continue
            if any(k in params and not check(inst, params[k]) for k, check in native.items()):
                continue
            tags = {t["TagKey"]: t["TagValue"] for t in inst["Tags"]["Tag"]}
            if any(k not in tags or (v is not None and tags[k] != v) for k, v in wanted_tags):
                continue
            matched.append(inst)
        start = (page_number - 1) * page_size
        self._send_json(
            200,
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "TotalCount": len(matched),
                "PageNumber": page_number,
                "PageSize": page_size,
                "NextToken": "",
                "Instances": {"Instance": matched[start : start + page_size]},
            },
        )

    def _assume_role(self, params: dict):
        """STS AssumeRole (2015-04-01): a temporary key that needs its SecurityToken."""
        arn = params.get("RoleArn", "")
        if arn not in self.server.roles:
            return self._error(
                404, "EntityNotExist.Role", f"The role not exists: {arn.rsplit('/', 1)[-1]}."
            )
        key_id = "STS.NT" + uuid.uuid4().hex[:20]
        secret = uuid.uuid4().hex
        token = self.server.add_temporary_key(key_id, secret)
        session = params.get("RoleSessionName", "")
        return self._send_json(
            200,
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "AssumedRoleUser": {
                    "Arn": f"{arn.replace(':role/', ':assumed-role/')}/{session}",
                    "AssumedRoleId": f"3{uuid.uuid4().int % 10**17}:{session}",
                },
                "Credentials": {
                    "AccessKeyId": key_id,
                    "AccessKeySecret": secret,
                    "SecurityToken": token,
                    "Expiration": "2099-01-01T00:00:00Z",
                },
            },
        )


def aliyun_instance(
    n: int,
    region: str = "cn-hangzhou",
    status: str = "Running",
    tags: dict | None = None,
    vpc: str = "vpc-bp1main",
    os_type: str = "linux",
    public: bool = True,
) -> dict:
    """An ``Instance`` element exactly as ECS DescribeInstances returns it."""
    windows = os_type == "windows"
    return {
        "InstanceId": f"i-bp1{n:010d}",
        "InstanceName": f"web-{n:02d}",
        "HostName": f"iz-web-{n:02d}",
        "Description": "",
        "RegionId": region,
        "ZoneId": f"{region}-{'h' if n % 2 else 'i'}",
        "InstanceType": "ecs.g6.large",
        "InstanceTypeFamily": "ecs.g6",
        "Cpu": 2,
        "Memory": 8192,
        "ImageId": "win2019_1809_x64_dtc_en-us_40G_alibase.vhd" if windows else "centos_7_9_x64",
        "OSName": "Windows Server 2019 数据中心版 64位" if windows else "CentOS 7.9 64位",
        "OSNameEn": "Windows Server 2019 Datacenter 64 bit" if windows else "CentOS 7.9 64 bit",
        "OSType": os_type,
        "Status": status,
        "InstanceNetworkType": "vpc",
        "InternetChargeType": "PayByTraffic",
        "InstanceChargeType": "PostPaid",
        "CreationTime": "2024-01-02T03:04Z",
        "ExpiredTime": "2099-12-31T15:59Z",
        "SerialNumber": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"aliyun-{n}")),
        "VpcAttributes": {
            "VpcId": vpc,
            "VSwitchId": "vsw-bp1main",
            "NatIpAddress": "",
            "PrivateIpAddress": {"IpAddress": [f"172.16.0.{n}"]},
        },
        "InnerIpAddress": {"IpAddress": []},
        "PublicIpAddress": {"IpAddress": [f"47.96.0.{n}"] if public else []},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
        "SecurityGroupIds": {"SecurityGroupId": ["sg-bp1main"]},
        "NetworkInterfaces": {"NetworkInterface": []},
        "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()]},
    }


def aliyun_server(access_key: str, secret: str, instances: list[dict], regions) -> _StubServer:
    return _StubServer(AliyunHandler, access_key, secret, instances, regions).start()


# ---------------------------------------------------------------------------------------------
# Tencent Cloud CVM
# ---------------------------------------------------------------------------------------------
def _tc3_sign(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    secret_date = _hmac(("TC3" + secret_key).encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class TencentHandler(_Handler):
    def _answer(self, payload: dict):
        payload["RequestId"] = str(uuid.uuid4())
        self._send_json(200, {"Response": payload})

    def _error(self, code: str, message: str):
        self._answer({"Error": {"Code": code, "Message": message}})

    def do_GET(self):
        self._error("UnsupportedOperation", "this stub only takes POST with a JSON body")

    def do_POST(self):
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        for name in ("x-tc-action", "x-tc-version", "x-tc-timestamp", "authorization", "host"):
            if not headers.get(name):
                return self._error("MissingParameter", f"The request is missing {name}.")
        auth = headers["authorization"]
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "TC3-HMAC-SHA256" or not {
            "Credential",
            "SignedHeaders",
            "Signature",
        } <= set(fields):
            return self._error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        secret_id, date, service, terminator = fields["Credential"].split("/")
        if secret_id not in self.server.keys:
            return self._error(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        signed_headers = fields["SignedHeaders"].split(";")
        canonical_headers = "".join(
            f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed_headers
        )
        canonical_request = "\n".join(
            [
                self.command,
                "/",
                "",
                canonical_headers,
                fields["SignedHeaders"],
                hashlib.sha256(body).hexdigest(),
            ]
        )
        timestamp = headers["x-tc-timestamp"]
        expected_date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
        string_to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                timestamp,
                f"{date}/{service}/{terminator}",
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        action = headers["x-tc-action"]
        # STS AssumeRole is signed for service "sts"; everything else for "cvm"
        if (
            date != expected_date
            or service != ("sts" if action == "AssumeRole" else "cvm")
            or terminator != "tc3_request"
            or _tc3_sign(self.server.keys[secret_id][0], date, service, string_to_sign)
            != fields["Signature"]
        ):
            return self._error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. "
                "Please check your signature is correct.",
            )
        token = self.server.keys[secret_id][1]
        if token is not None and headers.get("x-tc-token") != token:
            # temporary credentials: the X-TC-Token header must carry the session token
            return self._error(
                "AuthFailure.TokenFailure", "The provided token is invalid or does not match."
            )
        if headers["x-tc-version"] != ("2018-08-13" if action == "AssumeRole" else "2017-03-12"):
            return self._error("InvalidParameterValue", "Invalid API version.")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self._error("InvalidParameter", "The request body is not valid JSON.")
        region = headers.get("x-tc-region", "")
        self.server.requests.append(
            {"action": action, "region": region, "params": params, "headers": headers}
        )
        if action == "AssumeRole":
            return self._assume_role(params)
        if action == "DescribeRegions":
            return self._answer(
                {
                    "TotalCount": len(self.server.regions),
                    "RegionSet": [
                        {"Region": r, "RegionName": r, "RegionState": "AVAILABLE"}
                        for r in self.server.regions
                    ],
                }
            )
        if action != "DescribeInstances":
            return self._error("InvalidAction", f"The action {action} is not supported.")
        if not region:
            return self._error("MissingParameter", "The request is missing X-TC-Region.")
        offset = int(params.get("Offset", 0))
        limit = int(params.get("Limit", 20))
        if not 1 <= limit <= 100 or offset < 0:
            return self._error("InvalidParameterValue.Range", "Limit must be within [1, 100].")
        filters = params.get("Filters") or []
        matched = []
        for inst in self.server.instances:
            if inst["Placement"]["Zone"].rsplit("-", 1)[0] != region:
                continue
            tags = {t["Key"]: t["Value"] for t in inst["Tags"]}
            keep = True
            for flt in filters:
                name, values = flt["Name"], flt["Values"]
                if name == "instance-state":
                    keep = inst["InstanceState"] in values
                elif name == "vpc-id":
                    keep = inst["VirtualPrivateCloud"]["VpcId"] in values
                elif name == "instance-name":
                    keep = inst["InstanceName"] in values
                elif name == "zone":
                    keep = inst["Placement"]["Zone"] in values
                elif name == "instance-id":
                    keep = inst["InstanceId"] in values
                elif name == "instance-charge-type":
                    keep = inst["InstanceChargeType"] in values
                elif name == "private-ip-address":
                    keep = bool(set(inst["PrivateIpAddresses"] or []) & set(values))
                elif name == "tag-key":
                    keep = any(v in tags for v in values)
                elif name.startswith("tag:"):
                    keep = tags.get(name[4:]) in values
                else:
                    return self._error(
                        "InvalidFilter", f"The specified Filter `{name}` is not supported."
                    )
                if not keep:
                    break
            if keep:
                matched.append(inst)
        self._answer({"TotalCount": len(matched), "InstanceSet": matched[offset : offset + limit]})

    def _assume_role(self, params: dict):
        """STS AssumeRole (2018-08-13): a temporary SecretId that needs its X-TC-Token."""
        if params.get("RoleArn") not in self.server.roles:
            return self._error("ResourceNotFound.RoleNotExist", "The role does not exist.")
        secret_id = "AKIDtmp" + uuid.uuid4().hex[:16]
        secret = uuid.uuid4().hex
        token = self.server.add_temporary_key(secret_id, secret)
        return self._answer(
            {
                "Credentials": {"Token": token, "TmpSecretId": secret_id, "TmpSecretKey": secret},
                "ExpiredTime": 4070908800,
                "Expiration": "2099-01-01T00:00:00Z",
            }
        )


def tencent_instance(
    n: int,
    region: str = "ap-guangzhou",
    state: str = "RUNNING",
    tags: dict | None = None,
    vpc: str = "vpc-main0001",
    windows: bool = False,
    public: bool = True,
) -> dict:
    """An ``InstanceSet`` element exactly as CVM DescribeInstances returns it."""
    return {
        "Placement": {"Zone": f"{region}-{3 + n % 2}", "ProjectId": 0, "HostIds": []},
        "InstanceId": f"ins-{n:08d}",
        "Uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"tencent-{n}")),
        "InstanceState": state,
        "InstanceType": "S5.MEDIUM4",
        "CPU": 2,
        "Memory": 4,
        "InstanceName": f"app-{n:02d}",
        "HostName": f"vm-app-{n:02d}",
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "SystemDisk": {"DiskType": "CLOUD_PREMIUM", "DiskId": f"disk-{n:08d}", "DiskSize": 50},
        "DataDisks": [],
        "PrivateIpAddresses": [f"10.0.0.{n}"],
        "PublicIpAddresses": [f"119.29.0.{n}"] if public else None,
        "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR"},
        "VirtualPrivateCloud": {"VpcId": vpc, "SubnetId": "subnet-main0001", "AsVpcGateway": False},
        "ImageId": "img-9qrfy1xt" if windows else "img-l8og963d",
        "RenewFlag": None,
        "CreatedTime": "2024-01-02T03:04:05Z",
        "ExpiredTime": None,
        "OsName": "Windows Server 2019 数据中心版 64位中文版"
        if windows
        else "TencentOS Server 3.1",
        "SecurityGroupIds": ["sg-main0001"],
        "LoginSettings": {"Password": None, "KeyIds": None, "KeepImageLogin": None},
        "RestrictState": "NORMAL",
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        "StopChargingMode": "NOT_APPLICABLE",
        "LatestOperation": "RunInstances",
        "LatestOperationState": "SUCCESS",
        "LatestOperationRequestId": str(uuid.uuid4()),
        "DisasterRecoverGroupId": "",
        "IPv6Addresses": None,
        "CamRoleName": "",
        "HpcClusterId": "",
        "RdmaIpAddresses": None,
        "DedicatedClusterId": "",
        "IsolatedSource": "NOTISOLATED",
        "GPUInfo": None,
        "LicenseType": "TencentCloud",
        "DisableApiTermination": False,
        "DefaultLoginUser": "root",
        "DefaultLoginPort": 22,
        "LatestOperationErrorMsg": "",
    }


def tencent_server(secret_id: str, secret_key: str, instances: list[dict], regions) -> _StubServer:
    return _StubServer(TencentHandler, secret_id, secret_key, instances, regions).start()


if __name__ == "__main__":  # pragma: no cover - manual use
    kind = sys.argv[1] if len(sys.argv) > 1 else "aliyun"
    if kind == "aliyun":
        srv = aliyun_server("AK", "SK", [aliyun_instance(n) for n in range(1, 24)], ["cn-hangzhou"])
    else:
        srv = tencent_server(
            "AK", "SK", [tencent_instance(n) for n in range(1, 24)], ["ap-guangzhou"]
        )
    print(f"{kind} stub on http://127.0.0.1:{srv.port} (key AK / secret SK)")
    threading.Event().wait()
